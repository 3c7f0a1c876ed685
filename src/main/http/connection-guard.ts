import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionGuardOptions {
  /** Open connections at most (see connectionBudget). */
  maxConnections: number;
  /** Open connections per address on which no request has passed token verification. */
  maxUnauthenticatedPerAddress: number;
  /** Authenticated connections per identity (token subject). */
  maxPerIdentity: number;
  /** Told at most once a minute how many connections were closed at a cap. */
  warn(message: string): void;
}

interface Connection {
  socket: Socket;
  address: string;
  /** The identity a verified token vouched for, once the guard accepted it as protected. */
  identity: string | undefined;
  /** Requests on it whose answer is not finished. */
  busy: number;
  /** Removed from the books already (closed by the guard); its `close` changes nothing more. */
  closed: boolean;
}

/** Connections in the order they may be shed: idle ones first (idle the longest first), then busy ones. */
interface Queue {
  count: number;
  /** No request in flight, idle the longest first. */
  idle: Set<Connection>;
  /** A request in flight, the one whose request started the longest ago first. */
  busy: Set<Connection>;
}

export interface ConnectionGuard {
  /** Open connections now, and the unauthenticated ones among them. */
  counts(): { open: number; unauthenticated: number };
  close(): void;
}

const REPORT_MS = 60_000;

/**
 * Slots kept free of protected (authenticated) connections, so that a new connection — a health
 * probe — always finds one to take over: a tenth of the cap, 1 to 16.
 */
export function reservedSlots(maxConnections: number): number {
  return Math.min(16, Math.max(1, Math.floor(maxConnections / 10)));
}

/** Marks sockets whose connection a verified token vouched for; the guard of their server is told. */
const onAuthenticated = new WeakMap<Socket, (identity: string) => void>();

/**
 * A request on this socket passed token verification for `identity`: its connection may be kept
 * apart from the anonymous ones (see guardConnections for when it is).
 */
export function markAuthenticated(socket: Socket, identity: string): void {
  onAuthenticated.get(socket)?.(identity);
}

/** `::ffff:127.0.0.2` and `127.0.0.2` are one client. */
function addressOf(socket: Socket): string {
  const address = socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

const newQueue = (): Queue => ({ count: 0, idle: new Set(), busy: new Set() });
const first = (set: Set<Connection>): Connection | undefined => set.values().next().value;

/**
 * Bounds the connections of an HTTP server, so that neither connections that need no token (idle,
 * or trickling a body) nor one token holder's can exhaust the process's descriptors or crowd out a
 * health probe. A connection is anonymous until a request on it passes token verification; it then
 * becomes protected, unless its identity already holds `maxPerIdentity` protected connections none
 * of which is idle (an idle one is closed to make room), or protected connections already fill all
 * but `reservedSlots` of the cap (the longest-idle protected one is closed to make room). A new
 * connection is accepted, then:
 * - if its address holds `maxUnauthenticatedPerAddress` anonymous connections, one of them is closed:
 *   the one idle the longest, else the one whose request started the longest ago — a request
 *   without a token can always be shed, whatever its state;
 * - at `maxConnections`, one is closed in this order: the anonymous one idle the longest, the
 *   anonymous one whose request started the longest ago, the protected one idle the longest (a
 *   keep-alive with no request in flight); only when all are protected and busy is the new one
 *   closed — the reserve makes that impossible while `maxConnections` is above the reserve.
 * Accepting and closing, rather than pausing accept() (or `server.maxConnections`, which closes the
 * newcomer silently), keeps the newest connection — most likely someone about to send a request.
 * Node itself closes a connection that delivers no headers within `headersTimeout` (also one that
 * never sends a byte) and one whose body is not in within `requestTimeout`.
 */
export function guardConnections(server: Server, options: ConnectionGuardOptions): ConnectionGuard {
  const protectedMax = Math.max(0, options.maxConnections - reservedSlots(options.maxConnections));
  const connections = new Map<Socket, Connection>();
  const anonymous = newQueue();
  const trusted = newQueue();
  const byAddress = new Map<string, Queue>();
  const byIdentity = new Map<string, Queue>();
  let shed = 0;
  let refused = 0;

  /** The queues a connection is in: all of them, or the anonymous/address pair, or the protected/identity pair. */
  const queuesOf = (conn: Connection, create: boolean): Queue[] => {
    const [global, books, key] =
      conn.identity === undefined ? [anonymous, byAddress, conn.address] : [trusted, byIdentity, conn.identity];
    let own = books.get(key);
    if (own === undefined && create) {
      own = newQueue();
      books.set(key, own);
    }
    return own === undefined ? [global] : [global, own];
  };

  const enter = (conn: Connection) => {
    for (const queue of queuesOf(conn, true)) {
      queue.count++;
      (conn.busy > 0 ? queue.busy : queue.idle).add(conn);
    }
  };

  const leave = (conn: Connection) => {
    for (const queue of queuesOf(conn, false)) {
      queue.count--;
      queue.idle.delete(conn);
      queue.busy.delete(conn);
    }
    const books = conn.identity === undefined ? byAddress : byIdentity;
    const key = conn.identity ?? conn.address;
    if (books.get(key)?.count === 0) books.delete(key);
  };

  /** Moves a connection to the end of the idle or busy order of its queues. */
  const requeue = (conn: Connection) => {
    if (conn.closed) return;
    leave(conn);
    enter(conn);
  };

  const forget = (conn: Connection) => {
    if (conn.closed) return;
    conn.closed = true;
    leave(conn);
    connections.delete(conn.socket);
    onAuthenticated.delete(conn.socket);
  };

  /** Closes `victim` to make room; false when there is none. */
  const shedOne = (victim: Connection | undefined): boolean => {
    if (victim === undefined) return false;
    forget(victim);
    victim.socket.destroy();
    shed++;
    return true;
  };

  const authenticate = (conn: Connection, identity: string) => {
    if (conn.closed || conn.identity !== undefined) return;
    const own = byIdentity.get(identity);
    if (own !== undefined && own.count >= options.maxPerIdentity && !shedOne(first(own.idle))) return;
    if (trusted.count >= protectedMax && !shedOne(first(trusted.idle))) return;
    leave(conn);
    conn.identity = identity;
    enter(conn);
  };

  const onConnection = (socket: Socket) => {
    const address = addressOf(socket);
    const book = byAddress.get(address);
    if (book !== undefined && book.count >= options.maxUnauthenticatedPerAddress) {
      // Always possible: the address's queue is full, so it holds a connection to shed.
      shedOne(first(book.idle) ?? first(book.busy));
    }
    if (connections.size >= options.maxConnections) {
      const victim = first(anonymous.idle) ?? first(anonymous.busy) ?? first(trusted.idle);
      if (!shedOne(victim)) {
        refused++;
        socket.destroy();
        return;
      }
    }
    const conn: Connection = { socket, address, identity: undefined, busy: 0, closed: false };
    connections.set(socket, conn);
    enter(conn);
    onAuthenticated.set(socket, (identity) => authenticate(conn, identity));
    socket.once('close', () => forget(conn));
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const conn = connections.get(req.socket);
    if (conn === undefined) return;
    conn.busy++;
    requeue(conn);
    res.once('close', () => {
      conn.busy--;
      if (conn.busy === 0) requeue(conn);
    });
  };

  server.on('connection', onConnection);
  server.on('request', onRequest);
  const report = setInterval(() => {
    if (shed === 0 && refused === 0) return;
    options.warn(
      `connections at their cap in the last minute: ${shed} closed to make room, ${refused} new closed ` +
        `(cap ${options.maxConnections}, ${options.maxUnauthenticatedPerAddress} unauthenticated per address, ` +
        `${options.maxPerIdentity} per identity)`,
    );
    shed = 0;
    refused = 0;
  }, REPORT_MS);
  report.unref();

  return {
    counts: () => ({ open: connections.size, unauthenticated: anonymous.count }),
    close: () => {
      clearInterval(report);
      server.off('connection', onConnection);
      server.off('request', onRequest);
    },
  };
}
