import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ComposeRegistry, ProjectEntry } from '../../src/main/compose/registry.js';
import { registryStackGroups } from '../../src/main/services/stacks.js';

/** A registry that lists whatever `entries` holds now, counting its reads. */
function registry(entries: Array<Pick<ProjectEntry, 'name' | 'group'>>) {
  let reads = 0;
  const fake = {
    list: async () => {
      reads++;
      return entries.map((entry) => ({ ...entry })) as ProjectEntry[];
    },
  } as unknown as ComposeRegistry;
  return { fake, reads: () => reads };
}

describe("a host's stack groups", () => {
  const onThisHost = (group: string | null) => (group === 'elsewhere' ? 'other' : 'local');

  it('reads the registry at most once a second, keeping only the projects of this host', async () => {
    let clock = 0;
    const entries = [
      { name: 'web', group: 'core' },
      { name: 'db', group: 'elsewhere' },
    ];
    const { fake, reads } = registry(entries);
    const groups = registryStackGroups(fake, 'local', onThisHost, () => clock);
    assert.deepEqual([...(await groups.projects())], [['web', 'core']]);
    clock += 999;
    await groups.projects();
    assert.equal(reads(), 1);
    clock += 1;
    await groups.projects();
    assert.equal(reads(), 2);
  });

  it('hands out the same map while the projects are unchanged, so answers made from it are kept', async () => {
    let clock = 0;
    const entries: Array<Pick<ProjectEntry, 'name' | 'group'>> = [{ name: 'web', group: 'core' }];
    const { fake } = registry(entries);
    const groups = registryStackGroups(fake, 'local', onThisHost, () => clock);
    const first = await groups.projects();
    clock += 1000;
    assert.equal(await groups.projects(), first, 'read again, unchanged');
    entries.push({ name: 'api', group: null });
    clock += 1000;
    const second = await groups.projects();
    assert.notEqual(second, first);
    assert.deepEqual([...second], [['web', 'core'], ['api', null]]);
    entries[0] = { name: 'web', group: 'support' };
    clock += 1000;
    const third = await groups.projects();
    assert.notEqual(third, second, 'a project that changed group');
    assert.equal(third.get('web'), 'support');
  });
});
