import { z } from 'zod';
import { LucidError } from '../../shared/errors.js';
import { ENGINE_URL_FORMS, parseEngineUrl } from './engine-url.js';
import { isLoopbackHost } from './loopback.js';

function detectPlatform(): 'arm64' | 'amd64' {
  return process.arch === 'arm64' ? 'arm64' : 'amd64';
}

const dockerHostSchema = z.string().superRefine((value, ctx) => {
  try {
    parseEngineUrl(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

/**
 * The docker CLI turns TLS verification on for any non-empty DOCKER_TLS_VERIFY, "0" and "false"
 * included. Taking those as "on" would surprise whoever wrote them, taking them as "off" would
 * disagree with the CLI on the same environment: they are refused, and the message says how.
 */
const tlsVerifySchema = z
  .string()
  .refine(
    (value) => !/^(0|false|no|off)$/i.test(value),
    'the docker CLI reads any non-empty value as "verify", this one too: set 1, or leave it unset for plain tcp://',
  )
  .transform(() => true);

/** `key` or `key=value`, as `docker ps --filter label=…` takes it. */
const labelFilterSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}(=\S{1,256})?$/, 'must be LABEL or LABEL=VALUE')
  .transform((text) => {
    const at = text.indexOf('=');
    return at < 0 ? { key: text } : { key: text.slice(0, at), value: text.slice(at + 1) };
  });

/**
 * Text that is exactly a non-negative integer within `min`..`max`: "1.5", "-1", "1e3", "0x10" and
 * " 7" are refused (a plain Number() or z.coerce would take most of them). Every integer variable
 * goes through here, so they all read the same way.
 */
function strictInt({ min = 0, max = 1_000_000_000 }: { min?: number; max?: number } = {}) {
  return z
    .string()
    .regex(/^\d{1,10}$/, 'must be a non-negative integer')
    .transform(Number)
    .pipe(z.number().min(min).max(max));
}

function nonNegativeInt(fallback: number, range: { min?: number; max?: number } = {}) {
  return strictInt(range).default(fallback);
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
  PORT: nonNegativeInt(8098, { max: 65535 }).describe(
    "Port of the REST API; 0 picks a free port. 8098 is the Lucid system's port for this manager.",
  ),
  HOST: z.string().min(1).default('127.0.0.1').describe(
    'Listen address of the REST API. Loopback by default so that nothing outside this machine reaches the Docker socket through it; the container image sets 0.0.0.0 inside its own network namespace.',
  ),
  DOCKER_HOST: dockerHostSchema.default('unix:///var/run/docker.sock').describe(
    `Docker engine of the one host "local" when HOSTS_CONFIG is unset: ${ENGINE_URL_FORMS} (docs/hosts.md). Defaults to the local engine's socket; point it at a socket proxy to restrict the Engine API (see docs/operations.md, Security).`,
  ),
  HOSTS_CONFIG: z.string().min(1).optional().describe(
    'YAML file of the Docker hosts (docs/hosts.md), re-read when it changes or on SIGHUP. Unset: one host, local, from DOCKER_HOST and the variables below.',
  ),
  DOCKER_TLS_VERIFY: tlsVerifySchema.optional().describe(
    'Set (e.g. 1), a tcp:// DOCKER_HOST uses mutual TLS with ca.pem, cert.pem and key.pem from DOCKER_CERT_PATH and a default port of 2376, as the docker CLI does. Unset: plain tcp://. "0", "false", "no" and "off" are refused: the CLI would read them as set.',
  ),
  DOCKER_CERT_PATH: z.string().min(1).optional().describe(
    'Folder of ca.pem, cert.pem and key.pem for DOCKER_TLS_VERIFY (a leading ~ is the home folder). Unset: DOCKER_CONFIG, else ~/.docker, as the docker CLI does.',
  ).meta({ documentedDefault: '`$DOCKER_CONFIG`, else `~/.docker`' }),
  DOCKER_CONFIG: z.string().min(1).optional().describe(
    "The docker CLI's configuration folder; read for the default of DOCKER_CERT_PATH and for docker contexts a hosts file imports. Unset: ~/.docker, as the docker CLI does.",
  ).meta({ documentedDefault: '`~/.docker`' }),
  SSH_AUTH_SOCK: z.string().min(1).optional().describe(
    'Socket of the SSH agent that signs for ssh:// hosts without an identity file. Unset: ssh:// hosts need an identity file (DOCKER_HOST: ~/.ssh/id_ed25519, id_ecdsa or id_rsa).',
  ),
  DOCKER_TIMEOUT_MS: nonNegativeInt(10_000, { min: 1000, max: 600_000 }).describe(
    'Deadline of every Docker call in milliseconds, 1000-600000 (stop and restart add their grace period plus 5 s). 10 s outlasts a busy engine without leaving a caller hanging on a dead one.',
  ),
  LUCID_ENV: z.enum(['development', 'production']).default('development').describe(
    'development or production. production refuses to start without a configured JWT key; development may generate a throwaway key on a loopback HOST.',
  ),
  LUCID_PLATFORM: z.enum(['arm64', 'amd64']).default(detectPlatform).describe(
    "CPU architecture the Lucid images are chosen for: amd64 or arm64. Detected from the Node process's architecture.",
  ).meta({ documentedDefault: 'detected' }),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'verbose', 'debug', 'silly']).default('info').describe(
    'Log level: error, warn, info, verbose, debug or silly. info logs start-up, each control call, each refused or failed request and every change in whether Docker answers; debug adds a line for each read answered.',
  ),
  JWT_SECRET_KEY: z
    .string()
    .refine((key) => Buffer.byteLength(key, 'utf8') >= 32, 'must be at least 32 bytes (RFC 7518 for HS256)')
    .optional()
    .describe('HS256 key the bearer tokens are signed with, at least 32 bytes (RFC 7518). Unset: a development run on loopback generates one per run; production refuses to start.'),
  JWT_PUBLIC_KEY: z.string().includes('-----BEGIN', { message: 'must be a PEM public key' }).optional().describe(
    'PEM public key: verify RS256/ES256 tokens instead of HS256 (JWT_SECRET_KEY is then ignored). Unset by default.',
  ),
  JWT_JWKS_URL: jwksUrlSchema.optional().describe(
    'JWKS endpoint: verify RS256/ES256 tokens with its keys instead of HS256; https (plain http only for a loopback host). Unset by default.',
  ),
  JWT_AUDIENCE: z.string().min(1).default('gui-docker-manager').describe(
    'Audience every token must carry in aud, so that tokens minted for another service are refused.',
  ),
  JWT_ISSUER: z.string().min(1).optional().describe(
    'Issuer every token must carry in iss. Unset: iss is not checked.',
  ),
  /** Longest token lifetime accepted (`exp` at most this far ahead); `npm run token` keeps to it. */
  JWT_MAX_TTL_SECONDS: nonNegativeInt(24 * 3600, { min: 60, max: 30 * 24 * 3600 }).describe(
    'Longest token lifetime accepted, in seconds, 60-2592000: a token whose exp lies further ahead is refused, so a stolen long-lived token is useless. One day by default; npm run token keeps to it.',
  ),
  SERVICES_CONFIG: z.string().min(1).optional().describe(
    'YAML file of the service groups (groups, members, compose projects). Unset: config/services.yml shipped with the package, the default Lucid groups.',
  ).meta({ documentedDefault: "the package's `config/services.yml`" }),
  SERVICES_LABEL_FILTER: labelFilterSchema.optional().describe(
    'LABEL or LABEL=VALUE: only containers carrying it join a group, to tell several deployments on one host apart. Unset: no filter.',
  ),
  COMPOSE_PROJECTS_DIR: z.string().min(1).default('/opt/lucid/compose').describe(
    'Folder holding the compose files, declared and discovered (relative: from the working directory). /opt/lucid/compose is where Lucid deployments keep them.',
  ),
  COMPOSE_BIN: z.string().min(1).optional().describe(
    'Compose program to run instead of detecting docker compose (v2) then docker-compose (v1); a path to docker means its plugin. Unset: detected.',
  ),
  DOCKER_CLI: z.string().min(1).default('docker').describe(
    'The docker CLI that deploys and removes swarm stacks (`docker stack deploy`, `docker stack rm`); default docker on PATH. Pick one whose API level the engine accepts.',
  ),
  COMPOSE_TIMEOUT: nonNegativeInt(300, { min: 1, max: 86_400 }).describe(
    'Seconds a compose up (waiting included) or down (plus its own stop timeout) may take, 1-86400; then its process tree is killed and the call answers 504. 300 s lets images start and become healthy.',
  ),
  METRICS_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9._~+/=-]{16,512}$/, 'must be 16 to 512 characters usable in a Bearer header')
    .optional()
    .describe('When set (16-512 characters usable in a Bearer header), GET /metrics needs Authorization: Bearer <token> or a signed-in caller. Unset: /metrics is public, as Prometheus scrapes usually are on a private network.'),
  SSE_HEARTBEAT_MS: nonNegativeInt(15_000, { min: 10, max: 300_000 }).describe(
    'Interval of the keep-alive comment on Server-Sent Events in milliseconds, 10-300000. 15 s is below the idle timeout of common proxies.',
  ),
  /** How long requests in flight may finish on SIGTERM/SIGINT before their connections are cut. */
  SHUTDOWN_GRACE_MS: nonNegativeInt(10_000, { max: 600_000 }).describe(
    'On SIGTERM/SIGINT, how long requests in flight may finish before their connections are cut, in milliseconds, 0-600000. Keep it below the stop timeout of whatever stops the manager (the compose file gives 20 s, docker stop 10 s).',
  ),
  STATS_LINGER_MS: nonNegativeInt(30_000, { min: 1000, max: 3_600_000 }).describe(
    "How long batch stats (GET /api/v1/stats) keep their per-container stats streams open after the last request, in milliseconds, 1000-3600000. 30 s keeps a polling dashboard's answers instant without collecting for nobody.",
  ),
  SELF_CONTAINER_ID: z
    .string()
    .regex(/^[0-9a-f]{12,64}$/, 'must be a container id (12 to 64 hex digits)')
    .optional()
    .describe("The manager's own container id (12-64 hex digits), which the API refuses to stop or restart. Unset: found at start from /proc/self/cgroup, /proc/self/mountinfo or the hostname."),
  MAX_CONNECTIONS: strictInt({ min: 1, max: 10_000_000 })
    .optional()
    .describe(
      'Open HTTP connections at most, 1-10000000. Unset: the open-file limit (ulimit -n) minus a tenth of it, at least 256 kept for Docker sockets, compose pipes and the audit files; a larger value is lowered to that. At the cap a new connection closes an unauthenticated one (idle the longest, else the one whose request started first), else the authenticated one idle the longest; a few slots are kept from authenticated connections so a probe always gets in.',
    ),
  MAX_UNAUTHENTICATED_PER_ADDRESS: nonNegativeInt(128, { min: 1, max: 10_000_000 }).describe(
    "Open connections per client address on which no request has passed token verification yet, 1-10000000; over it, that address's connection idle the longest is closed, else the one whose request started first (a request without a token is sheddable whatever its state). 128: far above what a browser or a probe holds, far below what fills the connection cap.",
  ),
  MAX_CONNECTIONS_PER_IDENTITY: nonNegativeInt(64, { min: 1, max: 10_000_000 }).describe(
    "Open connections per token subject that are kept apart from the anonymous ones, 1-10000000; over it, that subject's connection idle the longest is closed, or the new one stays anonymous (closed first at a cap). 64: far above what a browser or a script keeps open, far below what fills the connection cap.",
  ),
  HEADERS_TIMEOUT_MS: nonNegativeInt(10_000, { min: 1000, max: 600_000 }).describe(
    'Request headers must arrive within this many ms of a connection opening (or of its previous request), else 408 and closed; also closes a connection that never sends a byte. 1000-600000, at most REQUEST_TIMEOUT_MS. 10 s is ample for any real client.',
  ),
  REQUEST_TIMEOUT_MS: nonNegativeInt(30_000, { min: 1000, max: 3_600_000 }).describe(
    'The whole request, headers and body, must arrive within this many ms, else 408 and closed; the answer may take longer. 1000-3600000. 30 s: a 64 KiB JSON body needs far less, a body trickled byte by byte is cut.',
  ),
  RATE_LIMIT_PER_MINUTE: nonNegativeInt(100).describe(
    'Reads per minute per caller; 0 disables the limit. 100 is ample for a GUI and stops a runaway client.',
  ),
  RATE_LIMIT_CONTROL_PER_MINUTE: nonNegativeInt(20).describe(
    'Control operations (start, stop, restart, group and compose changes) per minute per caller; 0 disables the limit. 20, because each one changes the engine.',
  ),
  AUDIT_LOG_PATH: z.string().min(1).optional().describe(
    'File of the audit trail (JSON lines). Unset: Electron userData/audit.log; headless $XDG_STATE_HOME/lucid-docker-manager/audit.log; the image sets /var/lib/lucid-docker-manager/audit.log.',
  ).meta({ documentedDefault: 'per platform' }),
  AUDIT_LOG_MAX_BYTES: nonNegativeInt(10 * 1024 * 1024, { min: 4096 }).describe(
    'Size in bytes at which the audit file is rotated, at least 4096. 10 MiB holds tens of thousands of entries per file.',
  ),
  AUDIT_LOG_MAX_FILES: nonNegativeInt(5, { min: 1, max: 100 }).describe(
    'Rotated audit files kept (audit.log.1 ... .N), 1-100; the oldest beyond is deleted, so a flood cannot fill the disk.',
  ),
  /** Only to place the default audit trail, as the XDG base directory spec says. */
  XDG_STATE_HOME: z.string().startsWith('/', 'must be an absolute path').optional().describe(
    "Absolute path; only used, as the XDG base directory spec says, to place the default audit trail when headless and, without XDG_RUNTIME_DIR, a development run's key file. Unset: ~/.local/state.",
  ),
  /** Only to keep a development run's generated signing key in a private, per-session place. */
  XDG_RUNTIME_DIR: z.string().startsWith('/', 'must be an absolute path').optional().describe(
    "Absolute path; only used to keep a development run's generated key file in a private, per-session place. Unset: ~/.local/state, else the temporary directory.",
  ),
  CORS_ORIGINS: originListSchema.default([]).describe(
    'Comma-separated browser origins allowed to call the REST API (exact match, no *). Unset: no CORS headers, as the GUI itself uses IPC.',
  ),
  MAX_STREAMS_PER_CALLER: nonNegativeInt(32, { min: 1, max: 10_000 }).describe(
    'Streams (SSE responses, IPC subscriptions, progress streams) one caller may hold open at once, per identity, else per address or window; past it TOO_MANY_STREAMS (429). Default 32: a GUI with a few windows uses a handful.',
  ),
  STREAM_MAX_QUEUED_BYTES: nonNegativeInt(1024 * 1024, { min: 64 * 1024, max: 256 * 1024 * 1024 }).describe(
    'Bytes one stream holds for a consumer that reads slower than events arrive; past it events are dropped and counted (a `dropped` notice follows). Default 1 MiB: 64 lines of 16 KiB, so 32 unread streams of a caller hold at most 32 MiB.',
  ),
  LOG_READ_MAX_BYTES: nonNegativeInt(4 * 1024 * 1024, { min: 64 * 1024, max: 64 * 1024 * 1024 }).describe(
    'Bytes of JSON one log read answers at most (escapes and UTF-8 counted); older lines are left out and `truncated: true` says so. Default 4 MiB: building and sending the answer takes several times its size at its peak (a read at 4 MiB took the RSS up 46 MB, at 16 MiB 137 MB), so one read stays under 64 MB.',
  ),
  LOG_READS_MAX_BYTES: nonNegativeInt(64 * 1024 * 1024, { min: 1024 * 1024, max: 1024 * 1024 * 1024 }).describe(
    'Text all log reads in flight (answers and follow backlogs) hold together at most: each read takes its own limit (LOG_READ_MAX_BYTES, a follow backlog STREAM_MAX_QUEUED_BYTES) before it starts. A read that does not fit waits (up to 256 reads, for at most DOCKER_TIMEOUT_MS), else LOG_READS_BUSY (503). Default 64 MiB: sixteen full log reads at once.',
  ),
});

export type Config = z.infer<typeof envSchema>;

/** Parses the environment; the error names each bad variable so an operator can fix it at once. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(present);
  const problems = result.success
    ? crossCheck(result.data)
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  if (result.success && problems.length === 0) return result.data;
  throw new LucidError('VALIDATION_FAILED', `invalid configuration: ${problems.join('; ')}`, { problems });
}

/** Rules between variables; kept out of envSchema, whose fields other code picks one by one. */
function crossCheck(config: Config): string[] {
  return config.HEADERS_TIMEOUT_MS > config.REQUEST_TIMEOUT_MS ? ['HEADERS_TIMEOUT_MS: must not exceed REQUEST_TIMEOUT_MS'] : [];
}
