import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import { writeDevKeyFile } from './auth/dev-key-file.js';
import { mintToken } from './auth/tokens.js';
import { loadConfig, type Config } from './config/env.js';
import { createManager, type Manager, type ManagerOptions } from './create-manager.js';
import { createHttpApp } from './http/app.js';
import { connectionBudget } from './http/connection-budget.js';
import { guardConnections } from './http/connection-guard.js';
import { gracefulCloser } from './http/graceful.js';
import { locals } from './http/request-context.js';
import { ShutdownReason } from './model/shutdown.js';
import { createLogger, type Logger } from './system/logging.js';

export interface RunningServer {
  manager: Manager;
  server: Server;
  url: string;
  /**
   * Stops accepting, ends subscriptions, lets requests in flight finish (at most
   * `shutdownGraceMs`), then stops the manager.
   */
  close(): Promise<void>;
}

export interface ServerOptions {
  /** How long requests in flight may take to finish on shutdown before their connections are cut (default: SHUTDOWN_GRACE_MS). */
  shutdownGraceMs?: number;
  /** Manager settings no environment variable carries (tests shorten the swarm role check). */
  manager?: Pick<ManagerOptions, 'swarmRoleRefreshMs'>;
}

/** How often Node closes connections over HEADERS_TIMEOUT_MS or REQUEST_TIMEOUT_MS. */
const CONNECTION_CHECK_MS = 1000;

/** Starts the headless REST server; resolves once it listens. */
export async function startServer(config: Config, logger: Logger, options: ServerOptions = {}): Promise<RunningServer> {
  const manager = await createManager(config, logger, options.manager);
  const shutdown = new AbortController();
  const app = createHttpApp({
    runner: manager.runner,
    authenticate: manager.authenticate,
    logger,
    corsOrigins: config.CORS_ORIGINS,
    shutdown: shutdown.signal,
    onRequestFinished: (req, res, seconds) =>
      manager.metrics.observeHttp(req.method ?? 'GET', locals(res).route, res.statusCode, seconds),
    sseHeartbeatMs: config.SSE_HEARTBEAT_MS,
    streamQueueBytes: config.STREAM_MAX_QUEUED_BYTES,
  });
  const server = createServer(
    {
      headersTimeout: config.HEADERS_TIMEOUT_MS,
      requestTimeout: config.REQUEST_TIMEOUT_MS,
      // Node looks for connections over those deadlines every 30 s by default: a deadline of 10 s
      // would then hold a silent connection up to 40 s.
      connectionsCheckingInterval: CONNECTION_CHECK_MS,
    },
    app,
  );
  const budget = connectionBudget(config.MAX_CONNECTIONS);
  if (budget.lowered) {
    logger.warn(`MAX_CONNECTIONS ${config.MAX_CONNECTIONS} lowered to ${budget.max}: the open-file limit is ${budget.openFileLimit}`);
  }
  const guard = guardConnections(server, {
    maxConnections: budget.max,
    maxUnauthenticatedPerAddress: config.MAX_UNAUTHENTICATED_PER_ADDRESS,
    maxPerIdentity: config.MAX_CONNECTIONS_PER_IDENTITY,
    warn: (message) => logger.warn(message),
  });
  server.once('close', () => guard.close());
  logger.info(
    `connections: at most ${budget.max} (open-file limit ${budget.openFileLimit}), ` +
      `${config.MAX_UNAUTHENTICATED_PER_ADDRESS} unauthenticated per address, ${config.MAX_CONNECTIONS_PER_IDENTITY} per identity`,
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    // The audit file, the limiter's timers and the Docker probes belong to a server that never served.
    await manager.close();
    throw err;
  }
  const closeHttp = gracefulCloser(server, options.shutdownGraceMs ?? config.SHUTDOWN_GRACE_MS);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const url = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    manager,
    server,
    url,
    close: () => {
      if (!closing) {
        // Subscriptions never finish on their own: they end now, with their usual `end` event.
        shutdown.abort(new ShutdownReason());
        // A compose up may run for COMPOSE_TIMEOUT: it is stopped now (answered SHUTTING_DOWN
        // within a few seconds), so its answer goes out within the grace period instead of its
        // connection being cut while compose keeps running.
        closing = Promise.all([closeHttp(), manager.compose.close()]).then(() => manager.close());
      }
      return closing;
    },
  };
}

const DEV_TOKEN_TTL_SECONDS = 12 * 3600;

/**
 * Jupyter-style: one admin token in the log, and a command to mint more that reads the key from
 * a private 0600 file — the key itself never appears in the log. The file goes when the process does.
 */
async function announceDevelopmentToken(running: RunningServer, logger: Logger): Promise<void> {
  const secret = running.manager.generatedSecret;
  if (!secret) return;
  const { config } = running.manager;
  const ttlSeconds = Math.min(DEV_TOKEN_TTL_SECONDS, config.JWT_MAX_TTL_SECONDS);
  const token = await mintToken({
    secret,
    sub: 'dev-admin',
    role: 'admin',
    ttlSeconds,
    audience: config.JWT_AUDIENCE,
    issuer: config.JWT_ISSUER,
  });
  logger.warn('No JWT key configured: generated a random key for this development run.');
  logger.warn(`Admin token (${formatHours(ttlSeconds)}): ${token}`);
  // In the fragment, which a browser never sends: the token stays out of every request line and log.
  logger.warn(`Dashboard, signed in as this admin: ${running.url}/#token=${token}`);
  const keyFile = writeDevKeyFile(config, secret);
  if (keyFile === undefined) {
    logger.warn('No private directory to keep the generated key in: set JWT_SECRET_KEY to mint more tokens.');
    return;
  }
  process.once('exit', () => rmSync(keyFile, { force: true }));
  logger.warn(`Mint more with: npm run --silent token -- --key-file ${keyFile} --role developer --sub alice --ttl 1h`);
}

function formatHours(seconds: number): string {
  return seconds % 3600 === 0 ? `${seconds / 3600} h` : `${Math.round(seconds / 60)} min`;
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
  const logger = createLogger(config.LOG_LEVEL);
  let running: RunningServer;
  try {
    running = await startServer(config, logger);
  } catch (err) {
    logger.error(`cannot start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn(`${signal} received again; still letting requests in flight finish`);
      return;
    }
    stopping = true;
    logger.info(`${signal} received: no new connections, letting requests in flight finish`);
    running.close().then(
      () => {
        logger.info('shut down cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // The hosts file is also watched; SIGHUP makes the manager read it at once (and say so in the log).
  process.on('SIGHUP', () => {
    const reload = running.manager.reloadHosts();
    if (reload.state === 'unchanged') logger.info('SIGHUP: the hosts are unchanged');
  });
  // Announced once a signal already shuts down cleanly: whoever waits for this line may stop us at once.
  logger.info(`Lucid Docker manager listening on ${running.url} (${config.LUCID_ENV})`);
  await announceDevelopmentToken(running, logger);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  void main();
}
