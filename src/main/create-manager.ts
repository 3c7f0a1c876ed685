import { auditLocations } from './audit/location.js';
import { AuditRecorder } from './audit/recorder.js';
import { AuditTrail, unauthenticatedPath } from './audit/trail.js';
import { ignoredKeyWarnings, resolveKeys } from './auth/keys.js';
import { createTokenVerifier } from './auth/tokens.js';
import { ComposeAvailability } from './compose/availability.js';
import { ComposeDriver } from './compose/driver.js';
import { ComposeRegistry } from './compose/registry.js';
import type { Config } from './config/env.js';
import { loadServicesConfig, type ServicesConfig } from './config/services-config.js';
import { createHandlers } from './core/handlers.js';
import { OperationRunner, type CallHooks } from './core/manager.js';
import { StreamCaps } from './core/stream-caps.js';
import { createDockerClient } from './docker/client.js';
import { DockerGateway } from './docker/gateway.js';
import { DockerHealth } from './docker/health.js';
import { findSelfContainer, readSelfEvidence } from './docker/self-container.js';
import { RateLimiter } from './limits/rate-limiter.js';
import { ContainerCensus, censusSource } from './metrics/census.js';
import { ManagerMetrics } from './metrics/registry.js';
import type { Identity } from './model/context.js';
import { GroupResolver, type ContainerRef } from './model/group-membership.js';
import { ComposeService } from './services/compose.js';
import { ContainerEventsService } from './services/container-events.js';
import { ContainerService } from './services/containers.js';
import { GroupService } from './services/groups.js';
import { HealthService } from './services/health.js';
import { LiveStatsService } from './services/live-stats.js';
import { MetricsService } from './services/metrics.js';
import { snapshotCensusSource } from './state/census-source.js';
import { ContainerCache } from './state/container-cache.js';
import { StatsCollector } from './state/stats-collector.js';
import type { Logger } from './system/logging.js';
import { packageVersion } from './system/package-version.js';

export interface ManagerOptions {
  /** More observers of every call (metrics, say), after the built-in rate limiter and audit recorder. */
  hooks?: CallHooks[];
  /** The host app's data directory (Electron's userData): the audit trail's default home. */
  dataDir?: string;
}

export interface Manager {
  config: Config;
  runner: OperationRunner;
  gateway: DockerGateway;
  audit: AuditTrail;
  /** The container never stopped or restarted through the API, if known. */
  selfContainerId: string | undefined;
  compose: ComposeService;
  /** The Docker daemon's state, probed in the background; also the gateway's circuit breaker. */
  dockerHealth: DockerHealth;
  metrics: ManagerMetrics;
  /** The event-driven container snapshot (the container list, lookups and the metrics read it). */
  cache: ContainerCache;
  /** Batch stats streams; open only while someone asked lately. */
  statsCollector: StatsCollector;
  authenticate(token: string): Promise<Identity>;
  /** The HS256 secret in use when one was generated for this development run. */
  generatedSecret: string | undefined;
  /** Stops compose runs in flight (within a few seconds, see ComposeService.close), then the rest. */
  close(): Promise<void>;
}

/** REST requests get their line from the HTTP layer; IPC calls get theirs here. */
function ipcCallLog(logger: Logger): CallHooks {
  return {
    settled: ({ name, meta, error, durationMs }) => {
      if (meta.transport !== 'ipc') return;
      logger.info(`${meta.requestId} ipc ${name} ${error?.code ?? 'ok'} ${durationMs.toFixed(1)}ms`);
    },
  };
}

/** Wires the core once; both transports are thin layers over what this returns. */
export async function createManager(config: Config, logger: Logger, options: ManagerOptions = {}): Promise<Manager> {
  const keys = resolveKeys(config);
  for (const warning of ignoredKeyWarnings(config)) logger.warn(warning);
  // Read before anything else starts: a broken services config must stop the manager, naming the field.
  const services = loadServicesConfig(config.SERVICES_CONFIG);
  const verifier = await createTokenVerifier(keys);
  const groupNames = services.groups.map((group) => group.name);
  const metrics = new ManagerMetrics(groupNames);
  // The breaker is the health monitor, which probes through the gateway: wired in two steps.
  let dockerHealth: DockerHealth | undefined;
  const breaker = {
    isOpen: () => dockerHealth?.isOpen() ?? false,
    suspect: () => dockerHealth?.suspect(),
    onOpen: (listener: () => void) => dockerHealth?.onOpen(listener) ?? (() => {}),
  };
  const gateway = new DockerGateway(createDockerClient(config.DOCKER_HOST), {
    timeoutMs: config.DOCKER_TIMEOUT_MS,
    observer: metrics,
    breaker,
  });
  dockerHealth = new DockerHealth(gateway, logger);
  const selfContainerId = config.SELF_CONTAINER_ID ?? detectSelf(logger);
  const resolver = new GroupResolver(services.groups, config.SERVICES_LABEL_FILTER, (message) => logger.warn(message));
  const groupOf = (container: ContainerRef) => resolver.groupOf(container);
  const cache = new ContainerCache(gateway, logger, { groupOf, breaker });
  const containers = new ContainerService(gateway, {
    selfContainerId,
    groupOf,
    cache,
    logReadMaxBytes: config.LOG_READ_MAX_BYTES,
    followBacklogMaxBytes: config.STREAM_MAX_QUEUED_BYTES,
    logReadsMaxBytes: config.LOG_READS_MAX_BYTES,
  });
  const groups = new GroupService(services, containers, resolver);
  const compose = createComposeService(config, services, gateway);
  const statsCollector = new StatsCollector(gateway, cache, config.STATS_LINGER_MS, groupOf);
  const liveStats = new LiveStatsService(gateway, containers, statsCollector);
  const events = new ContainerEventsService(cache, dockerHealth);
  const composeAvailability = new ComposeAvailability(async () => {
    const info = await compose.driverInfo();
    return info.available
      ? { available: true, variant: info.variant, version: info.version }
      : { available: false, variant: null, version: null };
  });
  const audit = AuditTrail.open({
    locations: auditLocations(config, options.dataDir),
    maxBytes: config.AUDIT_LOG_MAX_BYTES,
    maxFiles: config.AUDIT_LOG_MAX_FILES,
    logger,
  });
  logger.info(`audit trail: ${audit.path ? `${audit.path} (refusals without a subject: ${unauthenticatedPath(audit.path)})` : 'in memory only'}`);
  const recorder = new AuditRecorder(audit, Date.now, audit.folds);
  const limiter = new RateLimiter({
    readPerMinute: config.RATE_LIMIT_PER_MINUTE,
    controlPerMinute: config.RATE_LIMIT_CONTROL_PER_MINUTE,
  });
  const health = new HealthService({
    docker: dockerHealth,
    compose: composeAvailability,
    platform: config.LUCID_PLATFORM,
    environment: config.LUCID_ENV,
    version: packageVersion(),
    startedAt: Date.now(),
  });
  // The gauges count the snapshot while it is live; Docker is asked only when it is not.
  const census = new ContainerCensus(snapshotCensusSource(cache, groupOf, censusSource(gateway, groupOf)), groupNames);
  const metricsService = new MetricsService({
    metrics,
    census,
    docker: dockerHealth,
    compose: composeAvailability,
    token: config.METRICS_TOKEN,
  });
  const runner = new OperationRunner(
    createHandlers({ containers, groups, audit, compose, health, metrics: metricsService, liveStats, events }),
    [limiter, recorder, new StreamCaps(config.MAX_STREAMS_PER_CALLER), ...(options.hooks ?? []), ipcCallLog(logger)],
    config.LUCID_ENV === 'development',
  );
  runner.onFailure = (error, name, requestId) =>
    logger.error(`${requestId} ${name} failed with ${error.code}: ${error.message}`, error.cause);
  dockerHealth.start();
  composeAvailability.peek();
  cache.start();
  return {
    config,
    runner,
    gateway,
    audit,
    selfContainerId,
    compose,
    dockerHealth,
    metrics,
    cache,
    statsCollector,
    authenticate: (token) => verifier.verify(token),
    generatedSecret: keys.generated ? keys.secret : undefined,
    close: async () => {
      try {
        // Compose runs first, bounded: their callers get SHUTTING_DOWN, and the audit trail,
        // still open for one more turn of the loop, records those answers.
        await compose.close();
        await new Promise((resolve) => setImmediate(resolve));
        await statsCollector.close();
        await cache.close();
        await dockerHealth.close();
        await limiter.close();
      } finally {
        // Whatever failed above, every admitted call has its line and the trail reaches the disk:
        // calls still running (a stop the shutdown grace cut) are recorded as interrupted, the
        // summaries of rate-limit windows still open are written, then the trail is synced and closed.
        const interrupted = runner.interruptInFlight();
        if (interrupted > 0) logger.warn(`shutdown: ${interrupted} call(s) still running were recorded as interrupted`);
        await recorder.close();
        await audit.close();
      }
    },
  };
}

function detectSelf(logger: Logger): string | undefined {
  const found = findSelfContainer(readSelfEvidence());
  if (found) logger.info(`self-protection: running in container ${found.id.slice(0, 12)} (found from ${found.source})`);
  return found?.id;
}

function createComposeService(config: Config, services: ServicesConfig, gateway: DockerGateway): ComposeService {
  const registry = ComposeRegistry.fromConfig(services, config.COMPOSE_PROJECTS_DIR);
  const driver = new ComposeDriver({ composeBin: config.COMPOSE_BIN, dockerHost: config.DOCKER_HOST });
  // Detected at start so health can say which CLI is in use; a miss is retried on first use.
  void driver.detect();
  return new ComposeService(gateway, registry, driver, { timeoutMs: config.COMPOSE_TIMEOUT * 1000 });
}
