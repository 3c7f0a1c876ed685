import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * Graceful close for an HTTP server. `server.close()` refuses new connections and waits for the
 * open ones; idle keep-alive connections are closed at once, and every busy one as soon as its
 * response is out (the response says `Connection: close`). Whatever is still open when the
 * grace period ends is cut, so a stuck request cannot hold the shutdown.
 */
export function gracefulCloser(server: Server, graceMs: number): () => Promise<void> {
  const open = new Set<ServerResponse>();
  let closing: Promise<void> | undefined;

  const releaseWhenDone = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
    res.once('finish', () => setImmediate(() => server.closeIdleConnections()));
  };

  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    open.add(res);
    res.once('close', () => open.delete(res));
    if (closing) releaseWhenDone(res);
  });

  return () => {
    closing ??= new Promise<void>((resolve) => {
      const cut = setTimeout(() => server.closeAllConnections(), graceMs);
      server.close(() => {
        clearTimeout(cut);
        resolve();
      });
      for (const res of open) releaseWhenDone(res);
      server.closeIdleConnections();
    });
    return closing;
  };
}
