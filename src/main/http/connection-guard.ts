import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionGuardOptions {
  /** Open connections at most (see connectionBudget). */
  maxConnections: number;
  /** Open connections per address on which no request has passed token verification. */
  maxUnauthenticatedPerAddress: number;
  /** Told at most once a minute how many connections were closed at a cap. */
  warn(message: string): void;
}

interface Connection {
  socket: Socket;
  address: string;
  authenticated: boolean;
  /** Requests on it whose answer is not finished. */
  busy: number;
  /** Removed from the books already (closed by the guard, or authenticated); its `close` changes nothing more. */
  closed: boolean;
}

/** The unauthenticated connections of one address. */
interface AddressBook {
  count: number;
  /** Those with no request in flight, idle the longest first. */
  idle: Set<Connection>;
}

export interface ConnectionGuard {
  /** Open connections now, and the unauthenticated ones among them. */
  counts(): { open: number; unauthenticated: number };
  close(): void;
}

const REPORT_MS = 60_000;

/** Marks sockets whose connection a verified token vouched for; the guard of their server is told. */
const onAuthenticated = new WeakMap<Socket, () => void>();

/**
 * A request on this socket passed token verification: from now on its connection is never closed
 * to make room, and no longer counts toward its address's unauthenticated cap.
 */
export function markAuthenticated(socket: Socket): void {
  onAuthenticated.get(socket)?.();
}

/** `::ffff:127.0.0.2` and `127.0.0.2` are one client. */
function addressOf(socket: Socket): string {
  const address = socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * Bounds the connections of an HTTP server, so that idle or slow connections — which cost a file
 * descriptor each and need no token — can neither exhaust the process's descriptors nor crowd out a
 * health probe. A new connection is accepted, then:
 * - if its address already holds `maxUnauthenticatedPerAddress` unauthenticated connections, the
 *   one of them idle the longest is closed to make room; if all are answering a request, the new
 *   one is closed instead;
 * - likewise at `maxConnections`, over all addresses.
 * Accepting and closing, rather than pausing accept() (or `server.maxConnections`, which closes the
 * newcomer silently), keeps the newest connection — most likely someone about to send a request —
 * and sheds the one that has said nothing for longest. Authenticated connections are never shed.
 * Node itself closes a connection that delivers no headers within `headersTimeout` (also one that
 * never sends a byte) and one whose body is not in within `requestTimeout`.
 */
export function guardConnections(server: Server, options: ConnectionGuardOptions): ConnectionGuard {
  const connections = new Map<Socket, Connection>();
  const idle = new Set<Connection>();
  const byAddress = new Map<string, AddressBook>();
  let unauthenticated = 0;
  let shed = 0;
  let refused = 0;

  const bookOf = (address: string): AddressBook => {
    let book = byAddress.get(address);
    if (book === undefined) {
      book = { count: 0, idle: new Set() };
      byAddress.set(address, book);
    }
    return book;
  };

  /** Takes a connection out of the unauthenticated books (closed or authenticated). */
  const unbook = (conn: Connection) => {
    if (conn.authenticated) return;
    idle.delete(conn);
    const book = byAddress.get(conn.address);
    if (book === undefined) return;
    book.idle.delete(conn);
    book.count--;
    unauthenticated--;
    if (book.count === 0) byAddress.delete(conn.address);
  };

  const forget = (conn: Connection) => {
    if (conn.closed) return;
    conn.closed = true;
    unbook(conn);
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

  const oldest = (set: Set<Connection>): Connection | undefined => set.values().next().value;

  const markIdle = (conn: Connection) => {
    if (conn.closed || conn.authenticated || conn.busy > 0) return;
    idle.add(conn);
    bookOf(conn.address).idle.add(conn);
  };

  const onConnection = (socket: Socket) => {
    const address = addressOf(socket);
    const book = byAddress.get(address);
    const roomAtAddress = book === undefined || book.count < options.maxUnauthenticatedPerAddress || shedOne(oldest(book.idle));
    const room = roomAtAddress && (connections.size < options.maxConnections || shedOne(oldest(idle)));
    if (!room) {
      refused++;
      socket.destroy();
      return;
    }
    const conn: Connection = { socket, address, authenticated: false, busy: 0, closed: false };
    connections.set(socket, conn);
    bookOf(address).count++;
    unauthenticated++;
    markIdle(conn);
    onAuthenticated.set(socket, () => {
      if (conn.closed || conn.authenticated) return;
      unbook(conn);
      conn.authenticated = true;
    });
    socket.once('close', () => forget(conn));
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const conn = connections.get(req.socket);
    if (conn === undefined) return;
    conn.busy++;
    idle.delete(conn);
    byAddress.get(conn.address)?.idle.delete(conn);
    res.once('close', () => {
      conn.busy--;
      markIdle(conn);
    });
  };

  server.on('connection', onConnection);
  server.on('request', onRequest);
  const report = setInterval(() => {
    if (shed === 0 && refused === 0) return;
    options.warn(
      `connections at their cap in the last minute: ${shed} idle unauthenticated closed to make room, ` +
        `${refused} new closed (cap ${options.maxConnections}, ${options.maxUnauthenticatedPerAddress} unauthenticated per address)`,
    );
    shed = 0;
    refused = 0;
  }, REPORT_MS);
  report.unref();

  return {
    counts: () => ({ open: connections.size, unauthenticated }),
    close: () => {
      clearInterval(report);
      server.off('connection', onConnection);
      server.off('request', onRequest);
    },
  };
}
