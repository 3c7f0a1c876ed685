import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/main/config/env.js';
import { startServer } from '../../src/main/server.js';
import { createLogger } from '../../src/main/system/logging.js';
import { startTestServer, TEST_SECRET } from '../support/server.js';

describe('starting the REST server', () => {
  it('fails, instead of claiming to listen, when the port is taken', async (t) => {
    const first = await startTestServer({}, t);
    const port = new URL(first.url).port;
    const config = loadConfig({ PORT: port, HOST: '127.0.0.1', JWT_SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'error' });
    await assert.rejects(startServer(config, createLogger('error')), /EADDRINUSE/);
    const res = await first.call('GET', '/openapi.json', { role: null });
    assert.equal(res.status, 200, 'the first server keeps serving');
  });
});
