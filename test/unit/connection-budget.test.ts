import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/main/config/env.js';
import { connectionBudget, readOpenFileLimit } from '../../src/main/http/connection-budget.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            20000                40000                files
`;

describe('connection budget', () => {
  it('reads the soft open-file limit, and nothing where there is none', () => {
    assert.equal(readOpenFileLimit(() => LIMITS), 20000);
    assert.equal(readOpenFileLimit(() => LIMITS.replace('20000  ', 'unlimited')), 1_048_576);
    assert.equal(readOpenFileLimit(() => 'no such line'), undefined);
    assert.equal(
      readOpenFileLimit(() => {
        throw new Error('ENOENT');
      }),
      undefined,
    );
  });

  it('keeps a tenth of the limit, at least 256, out of the connections reach', () => {
    assert.deepEqual(connectionBudget(undefined, 20000), { max: 18000, openFileLimit: 20000, lowered: false });
    assert.deepEqual(connectionBudget(undefined, 1024), { max: 768, openFileLimit: 1024, lowered: false });
    assert.equal(connectionBudget(undefined, 100).max, 1);
  });

  it('takes a smaller MAX_CONNECTIONS as is and lowers a larger one to the ceiling', () => {
    assert.deepEqual(connectionBudget(200, 20000), { max: 200, openFileLimit: 20000, lowered: false });
    assert.deepEqual(connectionBudget(50000, 20000), { max: 18000, openFileLimit: 20000, lowered: true });
  });
});

describe('connection settings', () => {
  it('derives the cap when MAX_CONNECTIONS is unset, and refuses a sloppy number', () => {
    assert.equal(loadConfig({}).MAX_CONNECTIONS, undefined);
    assert.equal(loadConfig({ MAX_CONNECTIONS: '500' }).MAX_CONNECTIONS, 500);
    for (const bad of ['0', '1e3', '-5', '2.5']) assert.throws(() => loadConfig({ MAX_CONNECTIONS: bad }), /MAX_CONNECTIONS/);
    assert.throws(() => loadConfig({ HEADERS_TIMEOUT_MS: '20000', REQUEST_TIMEOUT_MS: '10000' }), /HEADERS_TIMEOUT_MS: must not exceed REQUEST_TIMEOUT_MS/);
  });
});
