import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TRANSPORTS, useClient } from '../support/clients.js';
import { useEngine } from '../support/engine.js';
import { CALLERS, callerName, createMatrix, POLICIES, STATUS_OF } from '../support/matrix.js';

/**
 * Every row of the access matrix × every caller, on REST and on IPC: the answer and the real
 * effect on the engine. The rows live in test/support/matrix.ts.
 */
for (const transport of TRANSPORTS) {
  describe(`access matrix over ${transport.name}`, () => {
    const matrix = createMatrix();
    useEngine();
    const client = useClient(transport, matrix.env);

    for (const row of matrix.rows) {
      for (const caller of CALLERS) {
        const expected = POLICIES[row.policy][callerName(caller)];
        it(`${row.title} as ${callerName(caller)} → ${expected}`, async () => {
          const scenario = await row.arrange();
          const outcome = await client.call(row.operation, scenario.input, caller);
          if (expected === 'ok') {
            assert.equal(outcome.ok, true, outcome.ok ? '' : `${outcome.code}: ${outcome.message}`);
          } else {
            assert.equal(outcome.ok, false, 'the call must be refused');
            if (outcome.ok) return;
            assert.equal(outcome.code, expected, outcome.message);
            if (client.transport === 'rest') assert.equal(outcome.status, STATUS_OF[expected]);
          }
          await scenario.verify(outcome);
        });
      }
    }
  });
}
