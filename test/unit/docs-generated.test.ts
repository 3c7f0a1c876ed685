import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { z } from 'zod';
import { TARGETS, regenerate, renderEnvironment, renderErrors, renderRoutes, targetPath } from '../../scripts/generate-docs.js';
import { envSchema } from '../../src/main/config/env.js';
import { operations } from '../../src/shared/contract/index.js';
import { ERROR_CODES } from '../../src/shared/errors.js';

describe('generated reference tables in docs/', () => {
  for (const [file, blocks] of Object.entries(TARGETS)) {
    it(`${file} holds what the code generates now`, () => {
      const text = readFileSync(targetPath(file), 'utf8');
      assert.ok(regenerate(file, text, blocks) === text, `${file} is stale: run npm run docs and commit the result`);
    });
  }

  it('lists every route, error code and environment variable once', () => {
    const routes = renderRoutes();
    for (const name of Object.keys(operations)) assert.equal(routes.split(`| \`${name}\` |`).length, 2, name);
    const errors = renderErrors();
    for (const code of ERROR_CODES) assert.equal(errors.split(`| \`${code}\` |`).length, 2, code);
    const environment = renderEnvironment();
    for (const key of Object.keys(envSchema.shape)) assert.equal(environment.split(`| \`${key}\` |`).length, 2, key);
  });

  it('renders the same text wherever it runs (no machine-dependent default)', () => {
    const env = renderEnvironment();
    assert.match(env, /\| `LUCID_PLATFORM` \| detected \|/);
    assert.match(env, /\| `PORT` \| `8098` \|/);
    assert.match(env, /\| `CORS_ORIGINS` \| none \|/);
    assert.match(env, /\| `JWT_SECRET_KEY` \| — \|/);
  });

  it("restates in docs/limits.md each variable's default as the schema has it", () => {
    const shape = envSchema.shape as Record<string, z.ZodType>;
    const units: Record<string, number> = { '': 1, KiB: 1024, MiB: 1024 * 1024, s: 1000 };
    let checked = 0;
    for (const [, key, text] of readFileSync(targetPath('docs/limits.md'), 'utf8').matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \|/gm)) {
      const schema = shape[key as string];
      if (!schema) continue;
      const parsed = schema.safeParse(undefined);
      if (!parsed.success || parsed.data === undefined) continue; // computed at start, described in words
      const match = /^([\d,]+) ?(KiB|MiB|s)?$/.exec((text as string).trim());
      assert.ok(match, `${key}: "${text}" is not a figure the check can read`);
      const unit = match[2] ?? '';
      assert.ok(unit !== 's' || key!.endsWith('_MS'), `${key}: seconds only for a _MS variable`);
      assert.equal(Number(match[1]!.replace(/,/g, '')) * (units[unit] as number), parsed.data, `${key} in docs/limits.md`);
      checked++;
    }
    assert.ok(checked >= 6, `checked ${checked} restated defaults`);
  });

  it('refuses a file whose markers are missing rather than appending', () => {
    assert.throws(() => regenerate('x.md', 'no markers here', ['routes']), /x\.md lacks the markers/);
  });
});
