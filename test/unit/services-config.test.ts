import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadServicesConfig } from '../../src/main/config/services-config.js';
import { LucidError } from '../../src/shared/errors.js';

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

  it('refuses group dependency cycles, a dependency on a later phase and one compose project in two groups', () => {
    const group = (name: string, phase: number, extra = '') => `  - name: ${name}\n    phase: ${phase}\n${extra}`;
    const cases: [string, string][] = [
      [`groups:\n${group('a', 1, '    depends_on: [a]\n')}`, 'groups.0.depends_on: group dependency cycle: a -> a'],
      [
        `groups:\n${group('a', 1, '    depends_on: [b]\n')}${group('b', 1, '    depends_on: [c]\n')}${group('c', 1, '    depends_on: [a]\n')}`,
        'groups.0.depends_on: group dependency cycle: a -> b -> c -> a',
      ],
      [`groups:\n${group('core', 2, '    depends_on: [app]\n')}${group('app', 3)}`, 'groups.0.depends_on.0: group "app" has a later phase (3) than core (2)'],
      [
        `groups:\n${group('a', 1, '    compose: {project: p, files: [a.yml]}\n')}${group('b', 2, '    compose: {project: p, files: [b.yml]}\n')}`,
        'groups.1.compose.project: compose project "p" is already mapped to group a',
      ],
    ];
    for (const [text, problem] of cases) {
      const path = configFile(text);
      assert.throws(() => loadServicesConfig(path), (err: Error) => {
        assert.ok(err.message.startsWith(`${path}: `), err.message);
        assert.ok(err.message.includes(problem), `${err.message}\nlacks: ${problem}`);
        return true;
      });
    }
    const samePhase = `groups:\n${group('a', 2)}${group('b', 2, '    depends_on: [a]\n')}`;
    assert.deepEqual(loadServicesConfig(configFile(samePhase)).groups.map((g) => g.depends_on), [[], ['a']]);
  });

  it('names the file for YAML that fails while it is resolved, and keeps only the message and position', () => {
    const tenOf = (alias: string) => `[${Array(10).fill(`*${alias}`).join(', ')}]`;
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b ${tenOf('a')}\nc: &c ${tenOf('b')}\nd: ${tenOf('c')}\n`;
    const cases: [string, string][] = [
      ['groups:\n  - name: *nowhere\n    phase: 1\n', 'invalid YAML: Unresolved alias (the anchor must be set before the alias): nowhere'],
      [`${bomb}groups: []\n`, 'invalid YAML: Excessive alias count indicates a resource exhaustion attack'],
      ['groups: [\n', 'invalid YAML at line 2, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]'],
      [`groups:\n  - name: "${'x'.repeat(200)}\n`, 'invalid YAML at line 3, column 1: Missing closing "quote'],
    ];
    for (const [text, message] of cases) {
      const path = configFile(text);
      assert.throws(() => loadServicesConfig(path), (err: Error) => {
        assert.ok(err instanceof LucidError, String(err));
        assert.equal(err.message, `${path}: ${message}`);
        return true;
      });
    }
  });
});
