import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LucidDockerApi } from '../../src/preload/api.js';
import type { ClientApi } from '../../src/renderer/client/api.js';
import { errorOf } from '../../src/renderer/client/errors.js';
import { createRestClient } from '../../src/renderer/client/rest-client.js';
import { routeTableOf } from '../../src/renderer/client/route-table.js';
import { readSse, type SseEvent } from '../../src/renderer/client/sse.js';
import { operationNames, operations } from '../../src/shared/contract/index.js';
import { OPERATION_STREAMS } from '../../src/shared/contract/manifest.js';

// The preload's declared API is the page's client interface: the page can take either.
const fromPreload = (api: LucidDockerApi): ClientApi => api;
void fromPreload;

const routes = routeTableOf(operations);

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
}

/** A fetch that records what the client sent and answers from `answer`. */
function fakeFetch(answer: (sent: Sent) => Response): { fetch: typeof fetch; sent: Sent[] } {
  const sent: Sent[] = [];
  const fn = async (url: string | URL | Request, init?: RequestInit) => {
    const s: Sent = {
      url: String(url),
      method: init?.method ?? 'GET',
      headers: (init?.headers ?? {}) as Record<string, string>,
      body: (init?.body as string | null) ?? null,
    };
    sent.push(s);
    return answer(s);
  };
  return { fetch: fn as typeof fetch, sent };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function sse(frames: string[]): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const frame of frames) controller.enqueue(encoder.encode(frame));
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' } });
}

/** A token-shaped string: the page reads nothing in it, the server says who it names. */
function token(claims: object): string {
  return `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
}

describe('the dashboard client', () => {
  it('has one route per contract operation, each field where the contract declares it', () => {
    assert.deepEqual(Object.keys(routes).sort(), [...operationNames].sort());
    assert.deepEqual(routes['containers.stop'], {
      method: 'POST',
      path: '/api/v1/containers/{id}/stop',
      pathParams: ['id'],
      query: ['host'],
      body: ['timeout'],
      toggle: {},
      event: 'progress',
      final: 'result',
      text: false,
    });
    assert.deepEqual(routes['containers.followLogs']?.toggle, { follow: 'true' });
    assert.equal(routes['containers.followLogs']?.final, 'end');
    assert.equal(routes['compose.up']?.event, 'line');
    assert.equal(routes['metrics.scrape']?.text, true);
  });

  it('offers every operation of the manifest, as the preload does, and auth.setToken', () => {
    const { fetch } = fakeFetch(() => json(200, {}));
    const api = createRestClient({ baseUrl: '', routes, fetch }) as unknown as Record<string, Record<string, unknown>>;
    for (const name of Object.keys(OPERATION_STREAMS)) {
      const [group, method] = name.split('.') as [string, string];
      assert.equal(typeof api[group]?.[method], 'function', name);
    }
    assert.equal(typeof api['auth']?.['setToken'], 'function');
  });

  it('sends path, query and body fields where declared, with the bearer token once accepted', async () => {
    // The server says who the token names: here it says something else than the payload, and wins.
    const session = { sub: 'alice', role: 'developer', expiresAt: '2033-05-18T03:33:20.000Z', hosts: null, controlGroups: ['core'], controlUngrouped: false };
    const { fetch, sent } = fakeFetch((s) => (s.url.endsWith('/session') ? json(200, session) : json(200, { ok: true })));
    const api = createRestClient({ baseUrl: 'http://manager', routes, fetch });
    const who = await api.auth.setToken(token({ sub: 'mallory', role: 'admin' }));
    assert.deepEqual(who, { sub: 'alice', role: 'developer', expiresAt: 2_000_000_000 });
    await api.containers.stop({ id: 'web', timeout: 3 });
    await api.containers.list({ all: false, group: 'core' });
    const [check, stop, list] = sent;
    assert.equal(check?.url, 'http://manager/api/v1/session');
    assert.deepEqual([stop?.method, stop?.url, stop?.body], ['POST', 'http://manager/api/v1/containers/web/stop', '{"timeout":3}']);
    assert.equal(stop?.headers['authorization'], `Bearer ${token({ sub: 'mallory', role: 'admin' })}`);
    assert.equal(stop?.headers['content-type'], 'application/json');
    assert.deepEqual([list?.method, list?.url, list?.body], ['GET', 'http://manager/api/v1/containers?all=false&group=core', null]);
  });

  it('sends no body to a POST that declares none, and encodes path values', async () => {
    const { fetch, sent } = fakeFetch(() => json(200, {}));
    const api = createRestClient({ baseUrl: '', routes, fetch });
    await api.containers.start({ id: 'a b' });
    assert.deepEqual([sent[0]?.url, sent[0]?.body], ['/api/v1/containers/a%20b/start', null]);
  });

  it('rejects with the code leading the message, as the preload does', async () => {
    const { fetch } = fakeFetch(() => json(403, { error: { code: 'FORBIDDEN', message: 'role user may not' }, requestId: 'r' }));
    const api = createRestClient({ baseUrl: '', routes, fetch });
    const err = await api.containers.stop({ id: 'web' }).then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.deepEqual(errorOf(err), { code: 'FORBIDDEN', message: 'role user may not' });
    assert.match((err as Error).message, /^\[FORBIDDEN\] /);
  });

  it('hands a 503 probe answer over as data, not as an error', async () => {
    const { fetch } = fakeFetch(() => json(503, { ready: false, reason: 'docker down' }));
    const api = createRestClient({ baseUrl: '', routes, fetch });
    assert.deepEqual(await api.health.ready(), { ready: false, reason: 'docker down' });
  });

  it('drops the token when a sign-in is refused, as IPC drops the identity', async () => {
    const { fetch, sent } = fakeFetch((s) =>
      s.headers['authorization']?.includes('bad')
        ? json(401, { error: { code: 'UNAUTHENTICATED', message: 'bad' }, requestId: 'r' })
        : json(200, { sub: 'a', role: 'user', expiresAt: null, hosts: null, controlGroups: [], controlUngrouped: false }),
    );
    const api = createRestClient({ baseUrl: '', routes, fetch });
    await api.auth.setToken(token({ sub: 'a', role: 'user' }));
    await assert.rejects(api.auth.setToken(`${token({ sub: 'bad', role: 'user' })}bad`), /UNAUTHENTICATED/);
    await api.containers.list();
    assert.equal(sent.at(-1)?.headers['authorization'], undefined);
    const before = sent.length;
    await assert.rejects(api.auth.setToken('not a token\n'), /UNAUTHENTICATED/);
    assert.equal(sent.length, before, 'text no header can carry is refused before anything is sent');
  });

  it('streams progress events, then resolves with the result', async () => {
    const { fetch, sent } = fakeFetch(() =>
      sse([': stream open\n\n', 'id: 1\nevent: progress\ndata: {"service":"db","step":"starting"}\n\n', 'id: 2\nevent: res', 'ult\ndata: {"ok":true}\n\n']),
    );
    const api = createRestClient({ baseUrl: '', routes, fetch });
    const events: unknown[] = [];
    const result = await api.services.start({ group: 'core' }, { onEvent: (e) => events.push(e) });
    assert.deepEqual(result, { ok: true });
    assert.deepEqual(events, [{ service: 'db', step: 'starting' }]);
    assert.equal(sent[0]?.headers['accept'], 'text/event-stream');
    assert.equal(sent[0]?.body, '{}');
  });

  it('follows a subscription: ready, events, dropped, then its end; an error event ends it with the code', async () => {
    const { fetch, sent } = fakeFetch((s) =>
      s.url.includes('/logs')
        ? sse(['event: line\ndata: {"stream":"stdout","text":"a"}\n\n', 'event: dropped\ndata: {"dropped":3}\n\n', 'event: end\ndata: {"reason":"ended"}\n\n'])
        : sse(['event: error\ndata: {"error":{"code":"UNAUTHENTICATED","message":"token expired"},"requestId":"r"}\n\n']),
    );
    const api = createRestClient({ baseUrl: '', routes, fetch });
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      api.containers.followLogs({ id: 'web', tail: 0 }, (line) => seen.push(line.text), {
        onReady: () => seen.push('ready'),
        onDropped: (n) => seen.push(`dropped ${n}`),
        onEnd: (err) => {
          seen.push(`end ${err}`);
          resolve();
        },
      });
    });
    assert.deepEqual(seen, ['ready', 'a', 'dropped 3', 'end null']);
    assert.equal(sent[0]?.url, '/api/v1/containers/web/logs?follow=true&tail=0');
    const ended = await new Promise<Error | null>((resolve) => api.containers.onEvent({}, () => undefined, resolve));
    assert.equal(errorOf(ended).code, 'UNAUTHENTICATED');
  });

  it('reports a stream cut before its last word as a lost connection, and an unsubscribe as a plain end', async () => {
    const { fetch } = fakeFetch(() => sse(['event: container\ndata: {}\n\n']));
    const api = createRestClient({ baseUrl: '', routes, fetch });
    const cut = await new Promise<Error | null>((resolve) => api.containers.onEvent({}, () => undefined, resolve));
    assert.equal(errorOf(cut).code, 'CONNECTION_LOST');

    const hanging = createRestClient({ baseUrl: '', routes, fetch: (() => new Promise(() => undefined)) as typeof globalThis.fetch });
    const ends: (Error | null)[] = [];
    const stop = hanging.containers.onEvent({}, () => undefined, (err) => ends.push(err));
    stop();
    stop();
    assert.deepEqual(ends, [null]);
  });
});

describe('the SSE reader', () => {
  it('joins frames split anywhere, skips comments and ids, and joins multi-line data', async () => {
    const text = ': hello\n\nid: 7\nevent: a\ndata: {"x":\ndata: 1}\n\nevent: b\r\ndata: 2\r\n\r\ndata: 3\n\n';
    const bytes = new TextEncoder().encode(text);
    for (const size of [1, 3, 7, bytes.length]) {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += size) controller.enqueue(bytes.slice(i, i + size));
          controller.close();
        },
      });
      const events: SseEvent[] = [];
      await readSse(body, (e) => events.push(e));
      assert.deepEqual(
        events,
        [
          { event: 'a', data: '{"x":\n1}' },
          { event: 'b', data: '2' },
          { event: 'message', data: '3' },
        ],
        `chunks of ${size}`,
      );
    }
  });
});
