import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
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

  it('refuses a file whose markers are missing rather than appending', () => {
    assert.throws(() => regenerate('x.md', 'no markers here', ['routes']), /x\.md lacks the markers/);
  });
});
