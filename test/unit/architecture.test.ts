import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = new URL('../../', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

function imports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1] ?? '');
}

/**
 * The folders of src/main, lowest first: a file may import its own folder and any folder before
 * it, never one after it, so no two folders depend on each other. `(root)` is the wiring
 * (create-manager, server, electron, index, healthcheck); src/shared is below all of them.
 * config/ sits above docker/ because the hosts it reads become docker's engine endpoints; metrics/
 * counts the model's containers and is fed by state/ and services/; hosts/ bundles, per engine,
 * the gateway, snapshot and services, and is what core/ dispatches an operation's `host` to.
 */
const MAIN_ORDER = [
  'system',
  'docker',
  'config',
  'compose',
  'model',
  'metrics',
  'state',
  'services',
  'hosts',
  'core',
  'auth',
  'limits',
  'audit',
  'http',
  'ipc',
  'cli',
  '(root)',
] as const;

/** Every relative module a file names: static, re-exported, side-effect-only and dynamic imports. */
function relativeImports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(?\s*)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1] ?? '');
}

/** The src/main folder a path lies in (`(root)` for a file directly in src/main), or undefined outside src/main. */
function mainFolder(path: string): string | undefined {
  const inMain = relative('src/main', path);
  if (inMain.startsWith('..')) return undefined;
  const parts = inMain.split(sep);
  return parts.length === 1 ? '(root)' : parts[0];
}

/** Every import in src/main of a folder not below the file's own in MAIN_ORDER, or of anything outside main but shared. */
function layerViolations(files: string[], read: (file: string) => string[] = relativeImports): string[] {
  const rank = (folder: string) => (MAIN_ORDER as readonly string[]).indexOf(folder);
  const found: string[] = [];
  for (const file of files) {
    const own = mainFolder(file) ?? '';
    if (rank(own) < 0) {
      found.push(`${file} lies in ${own}/, which MAIN_ORDER does not name`);
      continue;
    }
    for (const spec of read(file)) {
      const target = join(dirname(file), spec);
      const folder = mainFolder(target);
      if (folder === undefined) {
        if (!target.startsWith(`src${sep}shared${sep}`)) found.push(`${file} imports ${spec}: outside src/main and src/shared`);
      } else if (folder !== own && !(rank(folder) >= 0 && rank(folder) < rank(own))) {
        found.push(`${file} (${own}) imports ${spec} (${folder}), which is not below ${own} in MAIN_ORDER`);
      }
    }
  }
  return found;
}

describe('architecture seams', () => {
  it('src/main folders import only folders below their own', () => {
    assert.deepEqual(layerViolations(sources('src/main')), []);
  });

  it('the layer check names each upward, outside or undeclared import with its file', () => {
    const fake: Record<string, string[]> = {
      'src/main/state/x.ts': ['../services/groups.js', '../model/context.js', './y.js', '../../shared/errors.js'],
      'src/main/docker/x.ts': ['../../preload/index.js'],
      'src/main/core/x.ts': ['../nowhere/z.js'],
      'src/main/nowhere/z.ts': [],
    };
    assert.deepEqual(
      layerViolations(Object.keys(fake), (file) => fake[file] ?? []),
      [
        'src/main/state/x.ts (state) imports ../services/groups.js (services), which is not below state in MAIN_ORDER',
        'src/main/docker/x.ts imports ../../preload/index.js: outside src/main and src/shared',
        'src/main/core/x.ts (core) imports ../nowhere/z.js (nowhere), which is not below core in MAIN_ORDER',
        'src/main/nowhere/z.ts lies in nowhere/, which MAIN_ORDER does not name',
      ],
    );
  });

  it('only the Electron entry imports electron at run time in main', () => {
    const offenders = sources('src/main').filter((file) =>
      readFileSync(join(ROOT, file), 'utf8').match(/^import\s+(?!type\s)[^;]*from\s+'electron'/m),
    );
    assert.deepEqual(offenders, ['src/main/electron.ts']);
  });

  it('src/shared imports nothing from main or preload', () => {
    for (const file of sources('src/shared')) {
      for (const spec of imports(file)) {
        assert.equal(/\/(main|preload)\//.test(spec) || spec === 'electron', false, `${file} imports ${spec}`);
      }
    }
  });

  it('the dashboard imports only shared code, its own files, Preact and uPlot: never main, the preload or Node', () => {
    const allowed = /^(\.{1,2}\/|preact(\/|$)|uplot(\/|$))/;
    // Types are erased: the contract's types (and zod's, through them) cost the page nothing.
    const runtimeImports = (file: string) =>
      [...readFileSync(join(ROOT, file), 'utf8').matchAll(/^\s*(?:import|export)\s(?!type\s)[^;]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gms)].map(
        (m) => m[1] ?? m[2] ?? '',
      );
    for (const file of sources('src/renderer')) {
      for (const spec of runtimeImports(file)) {
        assert.match(spec, allowed, `${file} imports ${spec}`);
        if (spec.startsWith('.')) {
          const target = join(dirname(file), spec);
          assert.ok(target.startsWith(`src${sep}renderer${sep}`) || target.startsWith(`src${sep}shared${sep}`), `${file} imports ${spec}`);
        }
      }
    }
  });

  it('the preload imports only shared code and electron', () => {
    for (const file of sources('src/preload')) {
      for (const spec of imports(file)) {
        assert.equal(spec.includes('/main/'), false, `${file} imports ${spec}`);
      }
    }
  });
});
