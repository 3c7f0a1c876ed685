import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { getOperation, operationNames } from '../../src/shared/contract/index.js';
import { TRANSPORTS, useClient } from '../support/clients.js';
import { requireEngine } from '../support/engine.js';

/** Answers that prove the call never reached its operation, or broke inside it. */
const NOT_REACHED = new Set(['ROUTE_NOT_FOUND', 'UNPARSEABLE', 'INTERNAL', 'UNAUTHENTICATED', 'FORBIDDEN', 'UNKNOWN_INPUT']);

/**
 * Every contract entry must be served on both transports. An id that cannot exist is used so
 * that no operation changes anything: reaching the operation means getting its own answer
 * (a result, not found, invalid), never a missing route, a missing channel or a crash.
 */
describe('every contract operation is reachable on REST and IPC', () => {
  before(requireEngine);
  const clients = TRANSPORTS.map((transport) => useClient(transport));

  for (const name of operationNames) {
    it(name, async () => {
      const op = getOperation(name);
      // Only inputs the operation declares: any other would be refused before reaching it.
      const probe = {
        ...(Object.hasOwn(op.input.parts.path.shape, 'id') ? { id: 'lucid-contract-probe-does-not-exist' } : {}),
        ...op.variantOf?.query,
      };
      for (const client of clients) {
        const outcome = await client.call(name, probe);
        if (!outcome.ok) {
          assert.equal(NOT_REACHED.has(outcome.code), false, `${client.transport}: ${outcome.code} ${outcome.message}`);
        }
      }
    });
  }
});
