import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runServer } from '../support/spawned-server.js';

function configFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'lucid-services-')), 'services.yml');
  writeFileSync(path, text);
  return path;
}

describe('services config at start-up', () => {
  const cases: [string, string, RegExp][] = [
    ['a phase that is not a number', 'groups:\n  - name: core\n    phase: two\n', /groups\.0\.phase/],
    ['an unknown dependency', 'groups:\n  - name: core\n    phase: 2\n    members:\n      - {name: api, depends_on: [db]}\n', /groups\.0\.members\.0\.depends_on\.0: unknown member "db"/],
    ['a typo in a key', 'groups:\n  - name: core\n    phase: 2\n    member: []\n', /member/],
    ['a group that depends on itself', 'groups:\n  - {name: core, phase: 2, depends_on: [core]}\n', /groups\.0\.depends_on: group dependency cycle: core -> core/],
    [
      'a group that depends on a later phase',
      'groups:\n  - {name: core, phase: 2, depends_on: [app]}\n  - {name: app, phase: 3}\n',
      /groups\.0\.depends_on\.0: group "app" has a later phase/,
    ],
    [
      'one compose project in two groups',
      'groups:\n  - {name: a, phase: 1, compose: {project: p, files: [a.yml]}}\n  - {name: b, phase: 2, compose: {project: p, files: [b.yml]}}\n',
      /groups\.1\.compose\.project: compose project "p" is already mapped to group a/,
    ],
    ['an alias to no anchor', 'groups:\n  - {name: *core, phase: 2}\n', /invalid YAML: Unresolved alias/],
  ];
  for (const [what, text, field] of cases) {
    it(`refuses to start with ${what}, naming the file and the field`, async () => {
      const path = configFile(text);
      const { code, output } = await runServer({ SERVICES_CONFIG: path });
      assert.notEqual(code, 0, output);
      assert.notEqual(code, null, 'the process ended by itself');
      assert.ok(output.includes(path), output);
      assert.match(output, field);
      assert.doesNotMatch(output, /listening/);
    });
  }

  it('refuses to start when the file cannot be read', async () => {
    const { code, output } = await runServer({ SERVICES_CONFIG: '/nonexistent/lucid/services.yml' });
    assert.equal(code, 1);
    assert.match(output, /\/nonexistent\/lucid\/services\.yml: cannot read services config \(ENOENT\)/);
  });
});
