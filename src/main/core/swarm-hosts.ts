import type { ComposeDriver } from '../compose/driver.js';
import type { ComposeRegistry } from '../compose/registry.js';
import { dockerStackRunner } from '../compose/stack-runner.js';
import type { EngineHost } from '../hosts/engine-host.js';
import { StackService } from '../services/stacks.js';
import { registryStackGroups } from '../services/stacks.js';
import { SwarmCluster } from '../services/swarm.js';
import { SwarmState } from '../state/swarm-state.js';
import { prefixedLogger, type Logger } from '../system/logging.js';
import type { SwarmServices } from './swarm-handlers.js';

export interface SwarmHostsSettings {
  registry: ComposeRegistry;
  driver: ComposeDriver;
  /** DOCKER_CLI: the program that runs `docker stack …`. */
  dockerCli: string;
  logReadMaxBytes: number;
  /** COMPOSE_TIMEOUT in ms. */
  timeoutMs: number;
  /** The host a compose project runs on, from its group (null: the default host). */
  hostOfGroup: (group: string | null) => string;
  logger: Logger;
}

/**
 * Each host's swarm side, made on first use and kept with the host object (a host replaced by a
 * reload of the hosts file gets its own): the cluster view and controls, the stacks, and the live
 * state kept from the engine's event stream. The state starts with the host's swarm side and
 * ends when the host is removed or the manager closes; on an engine that is no manager it only
 * asks again now and then whether it has become one.
 */
export class SwarmHosts {
  private readonly made = new WeakMap<EngineHost, SwarmServices>();
  private readonly states = new Set<SwarmState>();

  constructor(private readonly settings: SwarmHostsSettings) {}

  of(host: EngineHost): SwarmServices {
    const known = this.made.get(host);
    if (known) return known;
    const { registry, driver, dockerCli, logReadMaxBytes, timeoutMs, hostOfGroup, logger } = this.settings;
    const state = new SwarmState(host.gateway, prefixedLogger(logger, `host ${host.name}: `), { breaker: host.health });
    const stackGroups = registryStackGroups(registry, host.name, hostOfGroup);
    const swarm = new SwarmCluster(host.gateway, { stackGroups, logReadMaxBytes, state, host: host.name });
    const runner = dockerStackRunner(driver, dockerCli, () => host.connection.cliDockerHost());
    const stacks = new StackService(host.gateway, registry, swarm, runner, { host: host.name, hostOfGroup, stackGroups, timeoutMs });
    const made: SwarmServices = { swarm, stacks, state };
    this.made.set(host, made);
    // Task containers on the manager's own engine move their service's running count: the
    // container snapshot already hears of them, so the state listens there instead of asking again.
    const unsubscribe = host.cache.subscribe((event) => {
      if (event.type === 'container') state.containerChanged(event.container?.labels);
    });
    const close = () => {
      unsubscribe();
      this.states.delete(state);
      void state.close();
    };
    if (host.removed.aborted) close();
    else {
      host.removed.addEventListener('abort', close, { once: true });
      this.states.add(state);
      state.start();
    }
    return made;
  }

  /** The host a registered project's stack runs on: where a deploy or removal that names no host goes. */
  async projectHost(project: string): Promise<string> {
    return this.settings.hostOfGroup((await this.settings.registry.find(project)).group);
  }

  async close(): Promise<void> {
    const closing = [...this.states].map((state) => state.close());
    this.states.clear();
    await Promise.all(closing);
  }
}
