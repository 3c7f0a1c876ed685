import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = new URL('../../', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

function imports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1] ?? '');
}

describe('architecture seams', () => {
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

  it('the preload imports only shared code and electron', () => {
    for (const file of sources('src/preload')) {
      for (const spec of imports(file)) {
        assert.equal(spec.includes('/main/'), false, `${file} imports ${spec}`);
      }
    }
  });
});
