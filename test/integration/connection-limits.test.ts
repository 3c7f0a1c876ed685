import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { requireEngine } from '../support/engine.js';
import { waitFor } from '../support/eventually.js';
import { openConnection, rawRequest, type RawConnection } from '../support/raw-http.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { sleep } from '../support/sleep.js';

/** Opens `count` silent connections from `localAddress`, a few at a time, and keeps them all. */
async function flood(url: string, localAddress: string, count: number): Promise<RawConnection[]> {
  const opened: RawConnection[] = [];
  for (let i = 0; i < count; i += 20) {
    const batch = Array.from({ length: Math.min(20, count - i) }, () => openConnection(url, localAddress));
    opened.push(...(await Promise.all(batch)));
  }
  return opened;
}

const healthFrom = async (server: TestServer, localAddress: string): Promise<number> => {
  const conn = await openConnection(server.url, localAddress);
  try {
    return await rawRequest(conn, 'GET /health HTTP/1.1\r\nHost: manager\r\n\r\n');
  } finally {
    conn.socket.destroy();
  }
};

describe('connection bounds', () => {
  const connections: RawConnection[] = [];
  let server: TestServer;

  before(async () => {
    await requireEngine();
    server = await startTestServer({ MAX_CONNECTIONS: '200', MAX_UNAUTHENTICATED_PER_ADDRESS: '50' });
  });

  after(async () => {
    for (const conn of connections) conn.socket.destroy();
    await server?.close();
  });

  it('keeps 50 silent connections of one address and closes the rest; another address is answered', async () => {
    const mob = await flood(server.url, '127.0.0.2', 300);
    connections.push(...mob);
    await waitFor('the excess of 127.0.0.2 closed', 10_000, () => mob.filter((c) => !c.isClosed()).length === 50);
    // The oldest were shed: the 50 still open are the newest.
    assert.deepEqual(mob.slice(250).map((c) => c.isClosed()), Array(50).fill(false));
    assert.equal(await healthFrom(server, '127.0.0.1'), 200);
    // The flooding address itself can still be served: its longest-idle connection makes room.
    assert.equal(await healthFrom(server, '127.0.0.2'), 200);
    for (const conn of mob) conn.socket.destroy();
  });

  it('holds the total cap over many addresses, never sheds an authenticated connection, and still answers probes', async () => {
    const token = await server.tokenFor('user');
    const trusted = await openConnection(server.url, '127.0.0.1');
    connections.push(trusted);
    const list = `GET /api/v1/containers HTTP/1.1\r\nHost: manager\r\nAuthorization: Bearer ${token}\r\n\r\n`;
    assert.equal(await rawRequest(trusted, list), 200);

    const mob: RawConnection[] = [];
    for (const host of [3, 4, 5, 6, 7, 8]) mob.push(...(await flood(server.url, `127.0.0.${host}`, 50)));
    connections.push(...mob);
    // 300 silent connections plus the trusted one against a cap of 200: 101 of the silent ones go.
    await waitFor('the total held at 200', 10_000, () => mob.filter((c) => !c.isClosed()).length === 199);
    assert.equal(trusted.isClosed(), false);
    assert.equal(await rawRequest(trusted, list), 200);
    assert.equal(await healthFrom(server, '127.0.0.1'), 200);
    for (const conn of mob) conn.socket.destroy();
  });
});

/** Sends `/health` from 127.0.0.1 `times` times (0 for one not answered), awaiting `between` after each; the statuses. */
async function probe(server: TestServer, times: number, between: (round: number) => Promise<void>): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < times; i++) {
    statuses.push(await healthFrom(server, '127.0.0.1').catch(() => 0));
    await between(i);
    await sleep(300);
  }
  return statuses;
}

const open = (conns: RawConnection[]) => conns.filter((c) => !c.isClosed()).length;

describe('connection bounds under callers that send requests', () => {
  // 4 addresses of 20 connections each against a cap of 60.
  const ATTACKERS = [3, 4, 5, 6].map((host) => `127.0.0.${host}`);
  const connections: RawConnection[] = [];
  let server: TestServer;

  before(async () => {
    await requireEngine();
    server = await startTestServer({
      MAX_CONNECTIONS: '60',
      MAX_UNAUTHENTICATED_PER_ADDRESS: '20',
      MAX_CONNECTIONS_PER_IDENTITY: '8',
      RATE_LIMIT_PER_MINUTE: '1',
    });
  });

  after(async () => {
    for (const conn of connections) conn.socket.destroy();
    await server?.close();
  });

  it('sheds token-less requests whose body trickles in, so /health keeps answering', async () => {
    const mob: RawConnection[] = [];
    for (const address of ATTACKERS) mob.push(...(await flood(server.url, address, 20)));
    connections.push(...mob);
    // Headers complete, body of 1000 bytes of which one is sent: each is a request in flight.
    const stop =
      'POST /api/v1/containers/nothing-here/stop HTTP/1.1\r\nHost: manager\r\n' +
      'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{';
    for (const conn of mob) conn.socket.write(stop);
    await waitFor('the mob held at the cap of 60', 10_000, () => open(mob) === 60);
    // After each probe: a byte more on every body, and one more trickling request to fill the cap again.
    const statuses = await probe(server, 10, async (round) => {
      for (const conn of mob) if (!conn.isClosed()) conn.socket.write(' ');
      const conn = await openConnection(server.url, ATTACKERS[round % ATTACKERS.length]);
      conn.socket.write(stop);
      mob.push(conn);
      connections.push(conn);
    });
    assert.deepEqual(statuses, Array(10).fill(200));
    assert.ok(open(mob) <= 60, `${open(mob)} trickling connections open`);
    for (const conn of mob) conn.socket.destroy();
  });

  it('keeps one token holder whose calls are refused (429) from holding the cap, so /health keeps answering', async () => {
    const token = await server.tokenFor('user', 'connection-hog');
    const list = `GET /api/v1/containers HTTP/1.1\r\nHost: manager\r\nAuthorization: Bearer ${token}\r\n\r\n`;
    const mob: RawConnection[] = [];
    const answers: PromiseSettledResult<number>[] = [];
    for (const address of ATTACKERS) {
      const batch = await flood(server.url, address, 20);
      mob.push(...batch);
      answers.push(...(await Promise.allSettled(batch.map((conn) => rawRequest(conn, list)))));
    }
    connections.push(...mob);
    const statuses = answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
    // The rate limit refuses all but the first call: the token was verified on each of them.
    assert.ok(statuses.filter((s) => s === 429).length >= 59, `statuses: ${statuses.join(',')}`);
    assert.ok(open(mob) <= 60);

    // After each probe the token holder opens one more connection and is refused again.
    const probes = await probe(server, 10, async (round) => {
      const conn = await openConnection(server.url, ATTACKERS[round % ATTACKERS.length]);
      mob.push(conn);
      connections.push(conn);
      await rawRequest(conn, list).catch(() => 0);
    });
    assert.deepEqual(probes, Array(10).fill(200));
    assert.ok(open(mob) <= 60, `${open(mob)} of the token holder's connections open`);
    for (const conn of mob) conn.socket.destroy();
  });
});

describe('request deadlines', () => {
  let server: TestServer;
  const connections: RawConnection[] = [];

  before(async () => {
    await requireEngine();
    server = await startTestServer({ HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '3000' });
  });

  after(async () => {
    for (const conn of connections) conn.socket.destroy();
    await server?.close();
  });

  it('closes a connection that never sends a byte once the header deadline passes', async () => {
    const silent = await openConnection(server.url, '127.0.0.2');
    connections.push(silent);
    await waitFor('the silent connection closed', 10_000, () => silent.isClosed());
    assert.match(silent.received(), /^HTTP\/1\.1 408 /);
  });

  it('cuts a body sent a byte a second at the request deadline, long before it is complete', async () => {
    const token = await server.tokenFor('admin');
    const slow = await openConnection(server.url, '127.0.0.2');
    connections.push(slow);
    slow.socket.write(
      `POST /api/v1/containers/nothing-here/stop HTTP/1.1\r\nHost: manager\r\nAuthorization: Bearer ${token}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 60\r\n\r\n{',
    );
    let sent = 1;
    // At most 20 more bytes (20 s): the 3 s deadline must cut it well before.
    for (; sent < 21 && !slow.isClosed(); sent++) {
      await sleep(1000);
      if (!slow.isClosed()) slow.socket.write(' ');
    }
    assert.equal(slow.isClosed(), true, 'the slow body was still being read after 20 s');
    assert.ok(sent < 60, 'the body never completed');
    assert.match(slow.received(), /^HTTP\/1\.1 408 /);
  });
});
