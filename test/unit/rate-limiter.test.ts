import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { OperationName } from '../../src/shared/contract/index.js';
import { LucidError } from '../../src/shared/errors.js';
import type { OperationAccess } from '../../src/shared/permissions.js';
import type { CallMeta } from '../../src/main/core/manager.js';
import { RateLimiter } from '../../src/main/limits/rate-limiter.js';

const table: Record<string, { access: OperationAccess; kind: 'read' | 'control' }> = {
  'probe.live': { access: 'public', kind: 'read' },
  'things.list': { access: 'containers:read', kind: 'read' },
};
const meta = (client: string): CallMeta => ({
  credentials: async () => null,
  client,
  transport: 'rest',
  requestId: 'r',
});

async function refused(promise: Promise<void> | void): Promise<LucidError | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return err as LucidError;
  }
}

describe('RateLimiter', () => {
  const limiter = new RateLimiter({ readPerMinute: 2, controlPerMinute: 2 });
  after(() => limiter.close());
  const call = (name: string, client: string) =>
    limiter.admit({ name: name as OperationName, op: table[name]!, meta: meta(client), identity: null });

  it('never counts public operations', async () => {
    for (let i = 0; i < 10; i++) assert.equal(await refused(call('probe.live', '10.0.0.1')), undefined);
    assert.equal(await refused(call('things.list', '10.0.0.1')), undefined, 'the probes used none of the budget');
  });

  it('keys anonymous IPv6 callers by their /56 network, IPv4-mapped ones by their IPv4 address', async () => {
    await call('things.list', '2001:db8:1:100::1');
    await call('things.list', '2001:db8:1:1ff::2');
    const third = await refused(call('things.list', '2001:db8:1:1aa::3'));
    assert.equal(third?.code, 'RATE_LIMITED');
    assert.equal(await refused(call('things.list', '2001:db8:2::1')), undefined, 'another /56');
    await call('things.list', '192.0.2.7');
    await call('things.list', '::ffff:192.0.2.7');
    assert.equal((await refused(call('things.list', '192.0.2.7')))?.code, 'RATE_LIMITED');
  });
});
