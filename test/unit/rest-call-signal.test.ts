import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import type { CallMeta, OperationRunner } from '../../src/main/core/manager.js';
import { contractRoute } from '../../src/main/http/contract-route.js';
import { beginRequest } from '../../src/main/http/request-context.js';

const quiet = { error: () => {}, warn: () => {}, info: () => {}, verbose: () => {}, debug: () => {} };
const servers: Server[] = [];
after(() => servers.forEach((server) => server.close()));

/** A REST route whose runner hands each call's meta to `seen`, and answers once `answer` settles. */
async function route(seen: (meta: CallMeta) => Promise<unknown>): Promise<string> {
  const runner = { run: (_name: unknown, _input: unknown, meta: CallMeta) => seen(meta) } as unknown as OperationRunner;
  const serve = contractRoute('containers.list', [], { runner, authenticate: async () => ({ sub: 'x', role: 'admin' }) });
  const server = createServer((req, res) => {
    beginRequest(req, res, quiet);
    void serve({ req, res, params: {}, query: {}, body: undefined });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("a REST call's signal", () => {
  it('is aborted when the client left before the handler first asked for it', async () => {
    let left!: () => void;
    const clientGone = new Promise<void>((resolve) => (left = resolve));
    const read = new Promise<AbortSignal>((resolve) => {
      void route(async (meta) => {
        await clientGone;
        resolve(meta.signal!);
        return {};
      }).then((url) => {
        const req = request(`${url}/api/v1/containers`);
        req.on('error', () => {});
        req.end();
        setTimeout(() => {
          req.destroy();
          setTimeout(left, 100);
        }, 100);
      });
    });
    const signal = await read;
    assert.equal(signal.aborted, true);
  });

  it('is not aborted by an answer that was sent, and is the same signal on every read', async () => {
    let kept: AbortSignal | undefined;
    const url = await route(async (meta) => {
      kept = meta.signal;
      assert.equal(meta.signal, kept);
      return {};
    });
    const res = await fetch(`${url}/api/v1/containers`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(kept?.aborted, false);
  });
});
