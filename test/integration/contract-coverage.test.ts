import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { operationNames } from '../../src/shared/contract/index.js';
import { ipcClient, restClient, type OperationClient } from '../support/clients.js';
import { requireEngine } from '../support/engine.js';

/**
 * Every contract entry must be served on both transports. An id that cannot exist is used so
 * that no operation changes anything: reaching the operation means getting its own answer
 * (found, not found, invalid), never a missing route or channel.
 */
describe('every contract operation is reachable on REST and IPC', () => {
  const clients: OperationClient[] = [];

  before(async () => {
    await requireEngine();
    clients.push(await restClient(), await ipcClient());
  });

  after(async () => {
    for (const client of clients) await client.close();
  });

  for (const name of operationNames) {
    it(name, async () => {
      for (const client of clients) {
        const outcome = await client.call(name, { id: 'lucid-contract-probe-does-not-exist' });
        if (!outcome.ok) {
          assert.notEqual(outcome.code, 'ROUTE_NOT_FOUND', `${client.transport}: ${outcome.message}`);
          assert.notEqual(outcome.code, 'UNPARSEABLE', `${client.transport}: ${outcome.message}`);
        }
      }
    });
  }
});
