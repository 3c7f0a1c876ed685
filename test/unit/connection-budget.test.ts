import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
