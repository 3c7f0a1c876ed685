import { pathToFileURL } from 'node:url';
import { envSchema } from './config/env.js';

const TIMEOUT_MS = 4000;

/** Where a local client reaches a server listening on `host`: a wildcard address is served on loopback. */
export function probeHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** True when the manager in this environment answers `/health` with 200 in time. */
export async function isHealthy(env: Record<string, string | undefined>): Promise<boolean> {
  const parsed = envSchema.pick({ PORT: true, HOST: true }).safeParse({
    PORT: env['PORT'] || undefined,
    HOST: env['HOST'] || undefined,
  });
  if (!parsed.success) return false;
  try {
    const res = await fetch(`http://${probeHost(parsed.data.HOST)}:${parsed.data.PORT}/health`, {
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * The image's HEALTHCHECK: distroless has no curl and no shell, so Docker runs this with Node.
 * Exit 0 healthy, 1 not, as Docker expects.
 */
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = (await isHealthy(process.env)) ? 0 : 1;
}
