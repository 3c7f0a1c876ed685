import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import type { Role } from '../../src/shared/permissions.js';
import { TRANSPORTS, useClient } from '../support/clients.js';
import { stateOf, useEngine } from '../support/engine.js';
import { newScenario } from '../support/scenario.js';

const GROUPS = ['foundation', 'core', 'application', 'support'] as const;
const ROLES: (Role | null)[] = [null, 'user', 'developer', 'admin'];

/** The access matrix for group control (docs/access.md): what each role gets, by group. */
function expected(role: Role | null, group: (typeof GROUPS)[number]): { code: string; status: number } | 'ok' {
  if (role === null) return { code: 'UNAUTHENTICATED', status: 401 };
  if (role === 'user') return { code: 'FORBIDDEN', status: 403 };
  if (role === 'developer' && group === 'support') return { code: 'FORBIDDEN', status: 403 };
  return 'ok';
}

for (const transport of TRANSPORTS) {
  describe(`service group scope over ${transport.name}`, () => {
    const s = newScenario((n) => GROUPS.map((group, i) => ({ name: group, phase: i + 1, members: [{ name: n(group) }] })));
    const members = new Map<string, Docker.Container>();
    useEngine();
    before(async () => {
      for (const group of GROUPS) members.set(group, await s.container(group));
    });
    const client = useClient(transport, s.env);

    it('reads groups with any role, never anonymously', async () => {
      for (const role of ROLES) {
        for (const [op, input] of [['services.list', {}], ['services.get', { group: 'support' }]] as const) {
          const outcome = await client.call(op, input, role);
          if (role === null) {
            assert.equal(!outcome.ok && outcome.code, 'UNAUTHENTICATED', op);
            if (client.transport === 'rest') assert.equal(!outcome.ok && outcome.status, 401);
          } else {
            assert.equal(outcome.ok, true, `${op} as ${role}`);
          }
        }
      }
    });

    for (const role of ROLES) {
      for (const group of GROUPS) {
        const want = expected(role, group);
        it(`${role ?? 'anonymous'} ${want === 'ok' ? 'may' : 'may not'} start and stop ${group}`, async () => {
          const member = members.get(group)!;
          await member.stop({ t: 0 }).catch(() => undefined);
          const before = await stateOf(member);

          for (const dryRun of [true, false]) {
            const started = await client.call('services.start', { group, dryRun }, role);
            if (want === 'ok') {
              assert.equal(started.ok, true);
              assert.equal(started.ok && started.data.ok, true);
            } else {
              assert.equal(!started.ok && started.code, want.code);
              if (client.transport === 'rest') assert.equal(!started.ok && started.status, want.status);
            }
          }
          assert.equal(await stateOf(member), want === 'ok' ? 'running' : before);

          await member.start().catch(() => undefined);
          const stopped = await client.call('services.stop', { group, timeout: 0 }, role);
          if (want === 'ok') {
            assert.equal(stopped.ok && stopped.data.ok, true);
            assert.equal(await stateOf(member), 'exited');
          } else {
            assert.equal(!stopped.ok && stopped.code, want.code);
            assert.equal(await stateOf(member), 'running');
          }
        });
      }
    }
  });
}
