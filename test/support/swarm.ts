import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { dockerCli } from './docker-cli.js';
import { PrivateEngine } from './private-engine.js';
import { suiteFixture } from './fixture.js';

/** The docker CLI that matches the engine (Debian's); the other one on PATH may speak a newer API. */
export const DOCKER_CLI = '/usr/bin/docker';

/** Where `ip netns add` puts a namespace, and what `nsenter --net=` takes. */
const NETNS_DIR = '/var/run/netns';
const SUBNET = '10.250.0';
/** Overlay networks the stacks create take their subnets from here, away from the nodes' own. */
const ADDRESS_POOL = '10.251.0.0/16';

export interface SwarmNode {
  /** Also the node's hostname, so that the cluster can name it. */
  name: string;
  role: 'manager' | 'worker';
  address: string;
  engine: PrivateEngine;
}

function ip(args: string[]): void {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${result.stderr.trim()}`);
}

/** Swarms not closed yet: a signal that ends the process closes them first. */
const openSwarms = new Set<TestSwarm>();

/**
 * A test process ended by SIGINT (Ctrl-C) or SIGTERM (a runner's timeout) runs no `after` hook and
 * no 'exit' listener: its daemons, mounts and namespaces would stay behind. Unless the process
 * handles the signal already (the bench cleans up what it started itself), the open swarms are
 * closed first, then the process ends as the signal would have ended it.
 */
function closeSwarmsOnSignal(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    if (process.listenerCount(signal) > 0) continue;
    process.once(signal, () => {
      void Promise.all([...openSwarms].map((swarm) => swarm.close())).finally(() => process.exit(128 + constants.signals[signal]));
    });
  }
}

/**
 * A real swarm on this machine: one dockerd per network namespace, the namespaces joined by a
 * bridge that lives in a namespace of its own (the host's network is never touched), one manager
 * and `workers` workers, the test image loaded on each. Everything it makes is named after a
 * random id and removed by `close()`, also when starting failed halfway.
 */
export class TestSwarm {
  readonly id = randomBytes(3).toString('hex');
  readonly nodes: SwarmNode[] = [];
  /** Seconds the start took, for the record. */
  startSeconds = 0;
  private readonly namespaces: string[] = [];

  private constructor() {}

  static async start(workers = 2): Promise<TestSwarm> {
    const swarm = new TestSwarm();
    openSwarms.add(swarm);
    closeSwarmsOnSignal();
    const started = performance.now();
    try {
      await swarm.build(workers);
    } catch (err) {
      await swarm.close();
      throw err;
    }
    swarm.startSeconds = (performance.now() - started) / 1000;
    return swarm;
  }

  get manager(): SwarmNode {
    return this.nodes[0] as SwarmNode;
  }

  get workers(): SwarmNode[] {
    return this.nodes.slice(1);
  }

  /** The docker CLI against the manager. */
  cli(args: string[]): Promise<string> {
    return dockerCli(args, this.manager.engine.dockerHost);
  }

  private async build(workers: number): Promise<void> {
    const hub = this.namespace('hub');
    ip(['-n', hub, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', hub, 'link', 'set', 'br0', 'up']);
    const names = ['manager', ...Array.from({ length: workers }, (_, i) => `worker${i + 1}`)];
    // One after the other: three daemons starting at once on two cores take longer than in turn.
    for (const [i, role] of names.entries()) this.nodes.push(await this.startNode(hub, i, role));
    const [manager, ...rest] = this.nodes as [SwarmNode, ...SwarmNode[]];
    await dockerCli(
      ['swarm', 'init', '--advertise-addr', manager.address, '--default-addr-pool', ADDRESS_POOL],
      manager.engine.dockerHost,
    );
    const token = await dockerCli(['swarm', 'join-token', '-q', 'worker'], manager.engine.dockerHost);
    for (const node of rest) {
      await dockerCli(['swarm', 'join', '--token', token, '--advertise-addr', node.address, `${manager.address}:2377`], node.engine.dockerHost);
    }
    await Promise.all(this.nodes.map((node) => node.engine.loadTestImage()));
  }

  private namespace(suffix: string): string {
    const name = `lucid-sw-${this.id}-${suffix}`;
    ip(['netns', 'add', name]);
    this.namespaces.push(name);
    ip(['-n', name, 'link', 'set', 'lo', 'up']);
    return name;
  }

  private async startNode(hub: string, index: number, role: string): Promise<SwarmNode> {
    const ns = this.namespace(`n${index}`);
    const address = `${SUBNET}.${index + 10}`;
    ip(['-n', hub, 'link', 'add', `v${index}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    ip(['-n', hub, 'link', 'set', `v${index}`, 'master', 'br0']);
    ip(['-n', hub, 'link', 'set', `v${index}`, 'up']);
    ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
    ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
    const name = `${role}-${this.id}`;
    // `ip netns exec` remounts /sys and dockerd then finds no devices cgroup: nsenter enters the
    // network namespace only. A UTS namespace of its own gives each node its own hostname.
    const engine = await PrivateEngine.start({
      dirPrefix: `/tmp/lucid-sw-${this.id}-`,
      launcher: {
        command: 'unshare',
        args: ['--uts', 'sh', '-c', 'hostname "$1" && shift && exec nsenter "$@"', 'sh', name, `--net=${NETNS_DIR}/${ns}`],
      },
      // A stopping node gives its tasks 2 s, not 15: teardown and node restarts stay short.
      extraArgs: ['--shutdown-timeout=2'],
    });
    return { name, role: index === 0 ? 'manager' : 'worker', address, engine };
  }

  /** Stops every daemon (their state goes with their folders) and removes the namespaces. */
  async close(): Promise<void> {
    openSwarms.delete(this);
    await Promise.all(this.nodes.map((node) => node.engine.destroy().catch(() => undefined)));
    for (const name of this.namespaces.reverse()) spawnSync('ip', ['netns', 'del', name]);
    this.namespaces.length = 0;
  }
}

/** One swarm for the enclosing describe block (or file), closed after it even when a test failed. */
export function useSwarm(workers = 2): TestSwarm {
  return suiteFixture('test swarm', () => TestSwarm.start(workers));
}
