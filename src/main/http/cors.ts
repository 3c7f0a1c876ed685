import cors from 'cors';

/**
 * CORS for the listed origins only (exact match, no wildcard). Bearer tokens travel in a header,
 * never in cookies, so credentials stay off; the headers a client needs to read are exposed.
 */
export function corsFor(origins: string[]) {
  return cors({
    origin: origins,
    methods: ['GET', 'POST'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After', 'RateLimit', 'RateLimit-Policy', 'WWW-Authenticate'],
    credentials: false,
    maxAge: 600,
  });
}
