import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { failOnTruncation } from '../../src/main/docker/truncated-answers.js';

/** Answers `/whole` in full; `/cut` promises 100 bytes, sends 10 and closes the connection. */
const server = createServer((req, res) => {
  if (req.url === '/whole') {
    res.end('{"ok":true}');
    return;
  }
  res.writeHead(200, { 'content-length': '100' });
  res.write('0123456789', () => res.socket?.destroy());
});
after(() => server.close());

/** Reads an answer the way docker-modem does: settles on 'end' only, so a cut-off answer never settles by itself. */
function get(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const { port } = server.address() as AddressInfo;
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('a Docker answer cut off halfway', () => {
  it('fails its call at once, call after call, with whole answers in between', { timeout: 10_000 }, async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    for (let round = 0; round < 2; round++) {
      // Each round starts with no call in flight: the watch must come back on for the next one.
      await assert.rejects(failOnTruncation(() => get('/cut')), { code: 'ECONNRESET' });
      assert.equal(await failOnTruncation(() => get('/whole')), '{"ok":true}');
      const [cut, whole] = await Promise.allSettled([failOnTruncation(() => get('/cut')), failOnTruncation(() => get('/whole'))]);
      assert.equal(cut.status, 'rejected');
      assert.deepEqual(whole, { status: 'fulfilled', value: '{"ok":true}' });
    }
  });
});
