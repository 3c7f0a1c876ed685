import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/main/config/env.js';
import { startServer } from '../../src/main/server.js';
import { createLogger } from '../../src/main/system/logging.js';
import { startTestServer, TEST_SECRET } from '../support/server.js';

describe('server start', () => {
  it('fails instead of pretending to listen when the port is taken', async (t) => {
    const first = await startTestServer({}, t);
    const port = new URL(first.url).port;
    const taken = loadConfig({ PORT: port, JWT_SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'error' });
    await assert.rejects(startServer(taken, createLogger('error')), /EADDRINUSE/);
  });
});
