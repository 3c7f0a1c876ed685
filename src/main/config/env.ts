import { z } from 'zod';
import { LucidError } from '../../shared/errors.js';
import { parseDockerHost } from '../docker/client.js';
import { isLoopbackHost } from './loopback.js';

function detectPlatform(): 'arm64' | 'amd64' {
  return process.arch === 'arm64' ? 'arm64' : 'amd64';
}

const dockerHostSchema = z.string().refine((value) => {
  try {
    parseDockerHost(value);
    return true;
  } catch {
    return false;
  }
}, 'must be unix://PATH, tcp://HOST:PORT or npipe://PATH');

/** `key` or `key=value`, as `docker ps --filter label=…` takes it. */
const labelFilterSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}(=\S{1,256})?$/, 'must be LABEL or LABEL=VALUE')
  .transform((text) => {
    const at = text.indexOf('=');
    return at < 0 ? { key: text } : { key: text.slice(0, at), value: text.slice(at + 1) };
  });

/** Text that is exactly a non-negative integer: "1.5", "-1", "1e3" and " 7" are refused. */
function nonNegativeInt(fallback: number, max = 1_000_000_000) {
  return z
    .string()
    .regex(/^\d{1,10}$/, 'must be a non-negative integer')
    .transform(Number)
    .pipe(z.number().max(max))
    .default(fallback);
}

/** An origin as browsers send it: scheme, host and optional port, nothing else (no path, no "*"). */
const originSchema = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}, 'each entry must be an origin such as https://gui.example:8443 (no path, no trailing slash, no "*")');

/** Keys fetched in the clear could be swapped on the way: https, except on this machine. */
const jwksUrlSchema = z.url({ protocol: /^https?$/ }).refine((value) => {
  const url = new URL(value);
  return url.protocol === 'https:' || isLoopbackHost(url.hostname);
}, 'must be an https URL (plain http only for a loopback host such as 127.0.0.1)');

const originListSchema = z
  .string()
  .transform((value) => value.split(',').map((origin) => origin.trim()).filter((origin) => origin !== ''))
  .pipe(z.array(originSchema));

/**
 * Every environment variable the manager reads, parsed once at start. Adding a variable here
 * without documenting it in config/env.gui-docker-manager.template fails a test.
 */
export const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8098),
  HOST: z.string().min(1).default('127.0.0.1'),
  DOCKER_HOST: dockerHostSchema.default('unix:///var/run/docker.sock'),
  DOCKER_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(10_000),
  LUCID_ENV: z.enum(['development', 'production']).default('development'),
  LUCID_PLATFORM: z.enum(['arm64', 'amd64']).default(detectPlatform),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'verbose', 'debug', 'silly']).default('info'),
  JWT_SECRET_KEY: z
    .string()
    .refine((key) => Buffer.byteLength(key, 'utf8') >= 32, 'must be at least 32 bytes (RFC 7518 for HS256)')
    .optional(),
  JWT_PUBLIC_KEY: z.string().includes('-----BEGIN', { message: 'must be a PEM public key' }).optional(),
  JWT_JWKS_URL: jwksUrlSchema.optional(),
  JWT_AUDIENCE: z.string().min(1).default('gui-docker-manager'),
  JWT_ISSUER: z.string().min(1).optional(),
  /** Longest token lifetime accepted (`exp` at most this far ahead); `npm run token` keeps to it. */
  JWT_MAX_TTL_SECONDS: nonNegativeInt(24 * 3600, 30 * 24 * 3600).pipe(z.number().min(60)),
  SERVICES_CONFIG: z.string().min(1).optional(),
  SERVICES_LABEL_FILTER: labelFilterSchema.optional(),
  COMPOSE_PROJECTS_DIR: z.string().min(1).default('/opt/lucid/compose'),
  COMPOSE_BIN: z.string().min(1).optional(),
  COMPOSE_TIMEOUT: z.coerce.number().int().min(1).max(86_400).default(300),
  METRICS_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9._~+/=-]{16,512}$/, 'must be 16 to 512 characters usable in a Bearer header')
    .optional(),
  SSE_HEARTBEAT_MS: z.coerce.number().int().min(10).max(300_000).default(15_000),
  /** How long requests in flight may finish on SIGTERM/SIGINT before their connections are cut. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  STATS_LINGER_MS: z.coerce.number().int().min(1000).max(3_600_000).default(30_000),
  SELF_CONTAINER_ID: z
    .string()
    .regex(/^[0-9a-f]{12,64}$/, 'must be a container id (12 to 64 hex digits)')
    .optional(),
  RATE_LIMIT_PER_MINUTE: nonNegativeInt(100),
  RATE_LIMIT_CONTROL_PER_MINUTE: nonNegativeInt(20),
  AUDIT_LOG_PATH: z.string().min(1).optional(),
  AUDIT_LOG_MAX_BYTES: nonNegativeInt(10 * 1024 * 1024).pipe(z.number().min(4096)),
  AUDIT_LOG_MAX_FILES: nonNegativeInt(5, 100).pipe(z.number().min(1)),
  /** Only to place the default audit trail, as the XDG base directory spec says. */
  XDG_STATE_HOME: z.string().startsWith('/', 'must be an absolute path').optional(),
  /** Only to keep a development run's generated signing key in a private, per-session place. */
  XDG_RUNTIME_DIR: z.string().startsWith('/', 'must be an absolute path').optional(),
  CORS_ORIGINS: originListSchema.default([]),
});

export type Config = z.infer<typeof envSchema>;

/** Parses the environment; the error names each bad variable so an operator can fix it at once. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new LucidError('VALIDATION_FAILED', `invalid configuration: ${problems.join('; ')}`, { problems });
}
