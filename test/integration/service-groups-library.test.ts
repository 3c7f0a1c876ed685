import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/main/config/env.js';
import { loadServicesConfig } from '../../src/main/config/services-config.js';
import { createDockerClient } from '../../src/main/docker/client.js';
import { DockerGateway } from '../../src/main/docker/gateway.js';
import { OperationContext } from '../../src/main/model/context.js';
import type { StreamHooks } from '../../src/main/model/context.js';
import { GroupResolver } from '../../src/main/model/group-membership.js';
import { ContainerService } from '../../src/main/services/containers.js';
import { DOCKER_CALLS } from '../../src/main/services/group-execution.js';
import { GroupService } from '../../src/main/services/groups.js';
import { removeRunContainers, requireEngine, stateOf } from '../support/engine.js';
import { newScenario, type Scenario } from '../support/scenario.js';
import { singleHostFleet } from '../support/single-host-fleet.js';

/** Counts the Docker start/stop calls in flight; each still goes to the real engine. */
class CountingContainers extends ContainerService {
  inFlight = 0;
  peak = 0;

  override async transition(...args: Parameters<ContainerService['transition']>): ReturnType<ContainerService['transition']> {
    this.peak = Math.max(this.peak, ++this.inFlight);
    try {
      return await super.transition(...args);
    } finally {
      this.inFlight--;
    }
  }
}

/** The GroupService as a library caller builds it: no transport, no input schema filling in defaults. */
function groupsFor(s: Scenario): { groups: GroupService; containers: CountingContainers } {
  const config = loadConfig(s.env);
  const gateway = new DockerGateway(createDockerClient(config.DOCKER_HOST), { timeoutMs: config.DOCKER_TIMEOUT_MS });
  const resolver = new GroupResolver(loadServicesConfig(config.SERVICES_CONFIG).groups, config.SERVICES_LABEL_FILTER);
  const containers = new CountingContainers(gateway, { place: { host: 'local', groupOf: (c) => resolver.groupOf(c) } });
  return { groups: new GroupService(loadServicesConfig(config.SERVICES_CONFIG), singleHostFleet(containers), resolver), containers };
}

const context = (stream: StreamHooks = {}) => new OperationContext({ sub: 'library', role: 'admin' }, stream);

describe('service groups called as a library', () => {
  before(requireEngine);
  after(removeRunContainers);

  it('gives a stop without timeout the documented 10 s grace period', async () => {
    const s = newScenario((n) => [{ name: 'core', phase: 2, members: [{ name: n('graceful') }] }]);
    const graceful = await s.container('graceful', {
      cmd: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"],
      stopSignal: 'SIGTERM',
      start: true,
    });
    const { groups } = groupsFor(s);

    const result = await groups.stop({ group: 'core', dryRun: false }, context());
    assert.deepEqual(result.results.map((r) => r.action), ['stopped']);
    const state = (await graceful.inspect()).State;
    assert.equal(state.Status, 'exited');
    assert.equal(state.ExitCode, 0, 'the SIGTERM handler had time to end the process (137: killed at once)');
  });

  it('frees the group when the stream cannot be opened', async () => {
    const s = newScenario((n) => [{ name: 'core', phase: 2, members: [{ name: n('x') }] }]);
    const x = await s.container('x');
    const { groups } = groupsFor(s);
    const closed = context({
      onReady: () => {
        throw new Error('the caller went away');
      },
    });

    await assert.rejects(groups.start({ group: 'core', dryRun: false }, closed), /the caller went away/);
    assert.equal(await stateOf(x), 'created');
    const result = await groups.start({ group: 'core', dryRun: false }, context());
    assert.deepEqual(result.results.map((r) => r.action), ['started']);
    assert.equal(await stateOf(x), 'running');
  });

  it(`has at most ${DOCKER_CALLS} Docker calls in flight at once`, async () => {
    const names = Array.from({ length: 2 * DOCKER_CALLS + 1 }, (_, i) => `m${i}`);
    const s = newScenario((n) => [{ name: 'core', phase: 2, members: names.map((m) => ({ name: n(m) })) }]);
    const members = await Promise.all(names.map((m) => s.container(m)));
    const { groups, containers } = groupsFor(s);

    const result = await groups.start({ group: 'core', dryRun: false }, context());
    assert.equal(result.ok, true);
    assert.equal(result.results.length, names.length);
    // All members are ready at once and each call waits on the engine: the bound is reached, not passed.
    assert.equal(containers.peak, DOCKER_CALLS);
    for (const c of members) assert.equal(await stateOf(c), 'running');
  });
});
