import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { probeHost } from '../../src/main/healthcheck.js';

const run = promisify(execFile);
const SCRIPT = new URL('../../dist/main/healthcheck.js', import.meta.url).pathname;

/** Runs the built healthcheck as Docker does and returns its exit code. */
async function exitCode(env: Record<string, string>): Promise<number> {
  try {
    await run(process.execPath, [SCRIPT], { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 20_000 });
    return 0;
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
}

describe('the container healthcheck script', () => {
  let status = 200;
  let server: Server;
  let port: number;
  const paths: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('exits 0 when /health answers 200, asking loopback for a wildcard HOST', async () => {
    status = 200;
    assert.equal(await exitCode({ PORT: String(port), HOST: '0.0.0.0' }), 0);
    assert.equal(paths.at(-1), '/health');
  });

  it('exits 1 when /health answers otherwise, nothing listens, or the setting is bad', async () => {
    status = 503;
    assert.equal(await exitCode({ PORT: String(port), HOST: '127.0.0.1' }), 1);
    server.closeAllConnections();
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const free = (probe.address() as { port: number }).port;
        probe.close(() => resolve(free));
      });
    });
    assert.equal(await exitCode({ PORT: String(closed) }), 1);
    assert.equal(await exitCode({ PORT: 'eighty' }), 1);
  });

  it('reaches a server bound to a wildcard address on loopback', () => {
    assert.equal(probeHost('0.0.0.0'), '127.0.0.1');
    assert.equal(probeHost('::'), '[::1]');
    assert.equal(probeHost('::1'), '[::1]');
    assert.equal(probeHost('10.0.0.5'), '10.0.0.5');
  });
});
