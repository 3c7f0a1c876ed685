import { connect, type Socket } from 'node:net';

export interface RawConnection {
  socket: Socket;
  /** Everything the server sent so far. */
  received(): string;
  /** True once the server (or the client) closed the connection. */
  isClosed(): boolean;
  closed: Promise<void>;
}

/** A TCP connection from `localAddress` (any of 127.0.0.0/8), connected and otherwise silent. */
export function openConnection(url: string, localAddress = '127.0.0.1'): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), localAddress });
    let text = '';
    let closed = false;
    const closedPromise = new Promise<void>((done) =>
      socket.once('close', () => {
        closed = true;
        done();
      }),
    );
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
    });
    // A reset from the server is a close like any other here.
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, received: () => text, isClosed: () => closed, closed: closedPromise }));
    socket.once('error', reject);
  });
}

/** Sends one HTTP/1.1 request on the connection and resolves with the status of its answer (the connection stays open). */
export function rawRequest(conn: RawConnection, request: string, timeoutMs = 10_000): Promise<number> {
  const before = conn.received().length;
  conn.socket.write(request);
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const check = () => {
      const answer = conn.received().slice(before);
      const head = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n/.exec(answer);
      const length = head ? Number(/content-length: *(\d+)/i.exec(head[2] ?? '')?.[1] ?? 0) : 0;
      if (head && answer.length >= head[0].length + length) {
        clearTimeout(deadline);
        conn.socket.off('data', check);
        resolve(Number(head[1]));
      } else if (conn.isClosed()) {
        clearTimeout(deadline);
        reject(new Error(`closed before an answer: ${JSON.stringify(answer.slice(0, 80))}`));
      }
    };
    conn.socket.on('data', check);
    void conn.closed.then(check);
  });
}
