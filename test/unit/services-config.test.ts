import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadServicesConfig } from '../../src/main/config/services-config.js';

function configFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'lucid-services-')), 'services.yml');
  writeFileSync(path, text);
  return path;
}

describe('services config', () => {
  it('ships the four Lucid phases with their services', () => {
    const config = loadServicesConfig();
    assert.deepEqual(config.groups.map((g) => [g.name, g.phase]), [
      ['foundation', 1],
      ['core', 2],
      ['application', 3],
      ['support', 4],
    ]);
    const members = Object.fromEntries(config.groups.map((g) => [g.name, g.members.map((m) => m.name)]));
    assert.deepEqual(members['foundation']?.sort(), ['lucid-auth-service', 'lucid-elasticsearch', 'lucid-mongodb', 'lucid-redis', 'lucid-storage-database']);
    assert.deepEqual(members['core']?.sort(), ['lucid-api-gateway', 'lucid-blockchain-engine', 'lucid-service-mesh-controller']);
    assert.deepEqual(members['application']?.sort(), ['lucid-node-management', 'lucid-session-pipeline']);
    assert.deepEqual(members['support']?.sort(), ['lucid-admin-interface', 'lucid-tron-client']);
    assert.deepEqual(config.groups.find((g) => g.name === 'core')?.depends_on, ['foundation']);
    assert.deepEqual(config.groups.find((g) => g.name === 'application')?.depends_on, ['core']);
  });

  it('names the file, the path and the problem', () => {
    const path = configFile('groups:\n  - name: core\n    phase: 2\n    members:\n      - name: a\n        depends_on: [ghost]\n');
    assert.throws(() => loadServicesConfig(path), (err: Error) => {
      assert.ok(err.message.startsWith(path), err.message);
      assert.match(err.message, /groups\.0\.members\.0\.depends_on\.0: unknown member "ghost"/);
      return true;
    });
  });

  it('rejects cycles, bad names, unknown keys, escaping compose files and broken YAML', () => {
    const cases: [string, RegExp][] = [
      ['groups:\n  - name: g\n    phase: 1\n    members:\n      - {name: a, depends_on: [b]}\n      - {name: b, depends_on: [a]}\n', /cycle/],
      ['groups:\n  - name: Bad Name\n    phase: 1\n', /groups\.0\.name/],
      ['groups:\n  - name: g\n    phase: 1\n    colour: red\n', /colour/],
      ['groups:\n  - name: g\n    phase: 1\n    compose: {project: p, files: [../../etc/x.yml]}\n', /groups\.0\.compose\.files\.0/],
      ['groups:\n  - name: g\n    phase: one\n', /groups\.0\.phase/],
      ['groups: [\n', /invalid YAML/],
      ['groups:\n  - name: g\n    phase: 1\n    depends_on: [nope]\n', /unknown group "nope"/],
    ];
    for (const [text, pattern] of cases) assert.throws(() => loadServicesConfig(configFile(text)), pattern, text);
    assert.throws(() => loadServicesConfig('/nonexistent/services.yml'), /cannot read services config \(ENOENT\)/);
  });
});
