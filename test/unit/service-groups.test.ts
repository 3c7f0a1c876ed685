import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/main/config/env.js';
import { servicesConfigSchema, type ServicesConfig } from '../../src/main/config/services-config.js';
import { GroupResolver } from '../../src/main/model/group-membership.js';
import { dependencyLevels, membersOf, planLevels, statusOf, type GroupMember } from '../../src/main/services/group-plan.js';
import { reachedState } from '../../src/main/services/group-rules.js';
import { phaseWarnings } from '../../src/main/services/group-warnings.js';
import type { ContainerSummary } from '../../src/shared/schemas/containers.js';
import { listContainersInput } from '../../src/shared/schemas/containers.js';
import { groupRefInput, stopGroupInput } from '../../src/shared/schemas/services.js';

const config: ServicesConfig = servicesConfigSchema.parse({
  groups: [
    {
      name: 'foundation',
      phase: 1,
      compose: { project: 'lucid-foundation', files: ['f.yml'] },
      members: [{ name: 'db' }, { name: 'cache' }, { name: 'auth', depends_on: ['db', 'cache'] }],
    },
    {
      name: 'core',
      phase: 2,
      depends_on: ['foundation'],
      members: [{ name: 'mesh' }, { name: 'api', depends_on: ['mesh'], healthTimeoutSeconds: 5 }, { name: 'edge', depends_on: ['api'] }],
    },
    { name: 'support', phase: 4, members: [{ name: 'admin' }] },
  ],
});

let nextId = 0;
function container(name: string, labels: Record<string, string> = {}, state: ContainerSummary['state'] = 'running'): ContainerSummary {
  const id = (++nextId).toString(16).padStart(64, '0');
  return { id, name, image: 'x', state, status: '', health: 'none', createdAt: new Date(nextId * 1000).toISOString(), labels, ports: [], group: null, host: 'local', startedAt: null };
}

describe('group membership', () => {
  const resolver = new GroupResolver(config.groups);

  it('takes the label first, then the configured name, then the compose project', () => {
    assert.deepEqual(resolver.resolve(container('db')), { group: 'foundation', service: 'db', configured: true });
    assert.deepEqual(resolver.resolve(container('db', { 'lucid.service.group': 'support' })), { group: 'support', service: 'db', configured: false });
    assert.deepEqual(
      resolver.resolve(container('lucid-foundation-auth-1', { 'com.docker.compose.project': 'lucid-foundation', 'com.docker.compose.service': 'auth' })),
      { group: 'foundation', service: 'auth', configured: true },
    );
    assert.deepEqual(
      resolver.resolve(container('x-1', { 'com.docker.compose.project': 'lucid-foundation', 'com.docker.compose.service': 'metrics' })),
      { group: 'foundation', service: 'metrics', configured: false },
    );
    assert.deepEqual(resolver.resolve(container('api', { 'com.docker.compose.project': 'lucid-foundation' })), { group: 'core', service: 'api', configured: true });
    assert.equal(resolver.resolve(container('stranger')), null);
    assert.equal(resolver.resolve(container('stranger', { 'com.docker.compose.project': 'other' })), null);
    assert.equal(resolver.groupOf(container('stranger', { 'lucid.service.group': 'core' })), 'core');
  });

  it('ignores a group label naming no configured group, warning once per value', () => {
    const warnings: string[] = [];
    const warned = new GroupResolver(config.groups, undefined, (message) => warnings.push(message));
    const typo = { 'lucid.service.group': 'cor' };
    assert.deepEqual(warned.resolve(container('api', typo)), { group: 'core', service: 'api', configured: true });
    assert.deepEqual(
      warned.resolve(container('x-1', { ...typo, 'com.docker.compose.project': 'lucid-foundation', 'com.docker.compose.service': 'auth' })),
      { group: 'foundation', service: 'auth', configured: true },
    );
    assert.equal(warned.resolve(container('stranger', typo)), null);
    assert.equal(warned.groupOf(container('stranger', { 'lucid.service.group': 'Core' })), null);
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings[0] ?? '', /label lucid\.service\.group="cor" names no configured group; ignored/);
    assert.match(warnings[1] ?? '', /lucid\.service\.group="Core"/);
  });

  it('ignores containers outside the label filter', () => {
    const filtered = new GroupResolver(config.groups, { key: 'deployment', value: 'prod' });
    assert.equal(filtered.groupOf(container('db')), null);
    assert.equal(filtered.groupOf(container('db', { deployment: 'staging' })), null);
    assert.equal(filtered.groupOf(container('db', { deployment: 'prod' })), 'foundation');
    const anyValue = new GroupResolver(config.groups, { key: 'deployment' });
    assert.equal(anyValue.groupOf(container('db', { deployment: 'staging' })), 'foundation');
  });
});

describe('group plan', () => {
  const resolver = new GroupResolver(config.groups);
  const core = config.groups[1]!;

  it('orders members by their deepest dependency and reverses for stop', () => {
    const members = membersOf(core, [], resolver);
    const start = dependencyLevels(members, 'start').map((level) => level.map((m) => m.service));
    assert.deepEqual(start, [['mesh'], ['api'], ['edge']]);
    assert.deepEqual(dependencyLevels(members, 'stop').map((level) => level.map((m) => m.service)), [['edge'], ['api'], ['mesh']]);
    const foundation = dependencyLevels(membersOf(config.groups[0]!, [], resolver), 'start');
    assert.deepEqual(foundation.map((level) => level.map((m) => m.service)), [['db', 'cache'], ['auth']]);
  });

  it('reports missing members, adds label-joined containers and picks one container per service', () => {
    const stale = container('api', {}, 'exited');
    const extra = container('sidecar', { 'lucid.service.group': 'core' });
    const composeCopy = container('proj-mesh-1', { 'lucid.service.group': 'core', 'com.docker.compose.service': 'mesh' });
    const named = container('mesh', {}, 'exited');
    const members = membersOf(core, [stale, extra, composeCopy, named, container('db')], resolver);
    assert.deepEqual(members.map((m) => [m.service, m.container?.id ?? null]), [
      ['mesh', named.id],
      ['api', stale.id],
      ['edge', null],
      ['sidecar', extra.id],
    ]);
    assert.equal(members[1]?.healthTimeoutSeconds, 5);
    const status = statusOf(core, members);
    assert.deepEqual([status.total, status.running, status.healthy], [4, 1, 1]);
    assert.equal(status.services[2]?.state, 'missing');
  });

  it('warns about earlier groups not running on start and later groups running on stop', () => {
    const containers = [container('db'), container('cache', {}, 'exited'), container('mesh'), container('admin')];
    const foundation = config.groups[0]!;
    assert.deepEqual(phaseWarnings('start', core, config.groups, containers, resolver), [
      'group foundation (phase 1) is not running: 1 of 3 services up',
    ]);
    assert.deepEqual(phaseWarnings('stop', foundation, config.groups, containers, resolver), [
      'group core (phase 2) still runs 1 of 3 services and may need foundation',
      'group support (phase 4) still runs 1 of 1 services and may need foundation',
    ]);
    assert.deepEqual(phaseWarnings('start', foundation, config.groups, containers, resolver), []);
  });

});

describe('group plan decisions', () => {
  const never = () => false;
  const member = (service: string, dependsOn: string[], container: ContainerSummary | null): GroupMember => ({
    service,
    host: 'local',
    dependsOn,
    healthTimeoutSeconds: 30,
    container,
  });
  const withHealth = (c: ContainerSummary, health: ContainerSummary['health']) => ({ ...c, health });
  const plan = (members: GroupMember[], direction: 'start' | 'stop', isProtected: (id: string) => boolean = never) => {
    const levels = planLevels(dependencyLevels(members, direction), direction, (_member, id) => isProtected(id));
    const entries = Object.fromEntries(levels.flat().map((e) => [e.service, [e.planned, e.expected, e.reason]]));
    return { entries, ok: reachedState(levels.flat().map((e) => e.expected), direction) };
  };

  it('skips on start what depends on a missing, failing or skipped member, with the reason the run gives', () => {
    const { entries, ok } = plan(
      [
        member('ghost', [], null),
        member('haunted', ['ghost'], container('haunted', {}, 'exited')),
        member('deeper', ['haunted'], container('deeper', {}, 'exited')),
        member('frozen', [], container('frozen', {}, 'paused')),
        member('needs-frozen', ['frozen'], container('needs-frozen', {}, 'exited')),
        member('fine', [], container('fine', {}, 'exited')),
      ],
      'start',
    );
    assert.deepEqual(entries, {
      ghost: ['missing', 'missing', undefined],
      haunted: ['skip', 'skipped', 'dependency ghost missing'],
      deeper: ['skip', 'skipped', 'dependency haunted skipped'],
      frozen: ['fail', 'failed', 'paused: a group start does not unpause it; unpause it first'],
      'needs-frozen': ['skip', 'skipped', 'dependency frozen failed'],
      fine: ['start', 'started', undefined],
    });
    assert.equal(ok, false);
  });

  it('waits for the health of a running member: one still starting is expected healthy, an unhealthy one to fail', () => {
    const { entries, ok } = plan(
      [
        member('booting', [], withHealth(container('booting'), 'starting')),
        member('sick', [], withHealth(container('sick'), 'unhealthy')),
        member('well', [], withHealth(container('well'), 'healthy')),
        member('plain', [], container('plain')),
        member('needs-booting', ['booting'], container('needs-booting', {}, 'exited')),
        member('needs-sick', ['sick'], container('needs-sick', {}, 'exited')),
      ],
      'start',
    );
    assert.deepEqual(entries, {
      booting: ['wait-healthy', 'already-running', 'health: starting; waits up to 30 s to become healthy'],
      sick: ['wait-healthy', 'failed', 'health: unhealthy; fails unless healthy within 30 s'],
      well: ['none', 'already-running', undefined],
      plain: ['none', 'already-running', undefined],
      'needs-booting': ['start', 'started', undefined],
      'needs-sick': ['skip', 'skipped', 'dependency sick failed'],
    });
    assert.equal(ok, false);
    const healthyOnly = plan([member('booting', [], withHealth(container('booting'), 'starting')), member('plain', [], container('plain'))], 'start');
    assert.equal(healthyOnly.ok, true);
  });

  it('fails a start of a restarting, dead or removing member instead of asking Docker', () => {
    for (const state of ['restarting', 'dead', 'removing'] as const) {
      const { entries } = plan([member('x', [], container('x', {}, state))], 'start');
      assert.equal(entries['x']?.[0], 'fail', state);
      assert.match(String(entries['x']?.[2]), new RegExp(`^${state}: `));
    }
  });

  it('stops paused and restarting members, keeps what a protected or failing dependent needs, and is ok with missing ones', () => {
    const self = container('manager');
    const { entries, ok } = plan(
      [
        member('base', [], container('base')),
        member('manager', ['base'], self),
        member('frozen', [], container('frozen', {}, 'paused')),
        member('looping', [], container('looping', {}, 'restarting')),
        member('gone', [], null),
        member('done', [], container('done', {}, 'exited')),
      ],
      'stop',
      (id) => id === self.id,
    );
    assert.deepEqual(entries, {
      manager: ['fail', 'failed', "the manager's own container cannot be stopped through its API"],
      base: ['skip', 'skipped', 'dependent manager failed'],
      frozen: ['stop', 'stopped', undefined],
      looping: ['stop', 'stopped', undefined],
      gone: ['missing', 'missing', undefined],
      done: ['none', 'already-stopped', undefined],
    });
    assert.equal(ok, false);
    assert.equal(plan([member('gone', [], null), member('done', [], container('done', {}, 'exited'))], 'stop').ok, true);
  });
});

describe('group inputs', () => {
  it('validates group names, stop timeouts and the container group filter', () => {
    for (const bad of ['', 'Core', '../x', 'a b', '-x', 'x'.repeat(64)]) {
      assert.equal(groupRefInput.safeParse({ group: bad }).success, false, bad);
      assert.equal(listContainersInput.safeParse({ group: bad }).success, false, bad);
    }
    assert.deepEqual(stopGroupInput.parse({ group: 'core' }), { group: 'core', dryRun: false, timeout: 10 });
    assert.deepEqual(stopGroupInput.parse({ group: 'core', dryRun: 'true', timeout: '0' }), { group: 'core', dryRun: true, timeout: 0 });
    for (const timeout of [-1, 301, 1.5, 'x']) assert.equal(stopGroupInput.safeParse({ group: 'core', timeout }).success, false);
    assert.equal(stopGroupInput.safeParse({ group: 'core', dryRun: 'yes' }).success, false);
  });

  it('parses SERVICES_LABEL_FILTER as a label with an optional value', () => {
    assert.deepEqual(loadConfig({ SERVICES_LABEL_FILTER: 'lucid.deployment=prod' }).SERVICES_LABEL_FILTER, { key: 'lucid.deployment', value: 'prod' });
    assert.deepEqual(loadConfig({ SERVICES_LABEL_FILTER: 'lucid.deployment' }).SERVICES_LABEL_FILTER, { key: 'lucid.deployment' });
    for (const bad of ['=x', 'a b', 'key=', 'key=a b']) assert.throws(() => loadConfig({ SERVICES_LABEL_FILTER: bad }), /SERVICES_LABEL_FILTER/, bad);
  });

  it('refuses one member name in two groups', () => {
    const result = servicesConfigSchema.safeParse({
      groups: [
        { name: 'a', phase: 1, members: [{ name: 'db' }] },
        { name: 'b', phase: 2, members: [{ name: 'db' }] },
      ],
    });
    assert.equal(result.success, false);
    assert.match(JSON.stringify(result.error?.issues), /already a member of group a/);
  });
});
