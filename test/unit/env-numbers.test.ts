import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/main/config/env.js';
import { LucidError } from '../../src/shared/errors.js';

/** Every variable whose parsed default is a number: a new integer variable is covered without editing this list. */
const INTEGER_VARIABLES = Object.entries(loadConfig({}))
  .filter(([, value]) => typeof value === 'number')
  .map(([key]) => key);

/** Forms Number() or z.coerce would take, none of them a plain integer as an operator writes one. */
const BAD_FORMS = ['1e3', '1.5', '-1', ' 7', '0x10'];

describe('integer environment variables', () => {
  it('are all found by the loop below', () => {
    for (const key of ['PORT', 'DOCKER_TIMEOUT_MS', 'COMPOSE_TIMEOUT', 'RATE_LIMIT_PER_MINUTE', 'STATS_LINGER_MS']) {
      assert.ok(INTEGER_VARIABLES.includes(key), key);
    }
  });

  for (const key of INTEGER_VARIABLES) {
    it(`${key} takes its default written out, and refuses ${BAD_FORMS.join(', ')}`, () => {
      const fallback = loadConfig({})[key as keyof ReturnType<typeof loadConfig>];
      assert.equal(loadConfig({ [key]: String(fallback) })[key as keyof ReturnType<typeof loadConfig>], fallback);
      for (const bad of BAD_FORMS) {
        assert.throws(
          () => loadConfig({ [key]: bad }),
          (err: unknown) => err instanceof LucidError && err.code === 'VALIDATION_FAILED' && err.message.includes(key),
          `${key}=${JSON.stringify(bad)}`,
        );
      }
    });
  }
});
