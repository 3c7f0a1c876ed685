import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { TEST_SECRET } from '../support/server.js';

const SERVER = fileURLToPath(new URL('../../dist/main/server.js', import.meta.url));

/** Runs the real headless entry until it exits (or is killed after a generous bound). */
function runServer(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SERVER], {
      env: { PATH: process.env['PATH'] ?? '', PORT: '0', JWT_SECRET_KEY: TEST_SECRET, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, output });
    });
  });
}

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
