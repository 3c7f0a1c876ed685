import { auditLocations } from './audit/location.js';
import { AuditRecorder } from './audit/recorder.js';
import { AuditTrail, unauthenticatedPath } from './audit/trail.js';
import { ignoredKeyWarnings, resolveKeys } from './auth/keys.js';
import { createTokenVerifier } from './auth/tokens.js';
import { ComposeAvailability } from './compose/availability.js';
import { ComposeDriver } from './compose/driver.js';
import { ComposeRegistry } from './compose/registry.js';
import type { Config } from './config/env.js';
import type { HostSpec, HostsConfig } from './config/host-spec.js';
import { hostsContext, loadHosts } from './config/hosts-env.js';
import { loadHostsConfig } from './config/hosts-config.js';
import { HostsConfigWatcher, type HostsReload } from './config/hosts-watcher.js';
import { loadServicesConfig, unknownHostProblems, type ServicesConfig } from './config/services-config.js';
import { LucidError } from '../shared/errors.js';
import { createHandlers } from './core/handlers.js';
import { swarmHandlers } from './core/swarm-handlers.js';
import { SwarmHosts } from './core/swarm-hosts.js';
import { OperationRunner, type CallHooks } from './core/manager.js';
import { StreamCaps } from './core/stream-caps.js';
import type { EngineConnection } from './docker/engine-connection.js';
import { openEngine } from './docker/open-engine.js';
import { findSelfContainer, readSelfEvidence } from './docker/self-container.js';
import { EngineHost } from './hosts/engine-host.js';
import { HostRegistry } from './hosts/host-registry.js';
import { RateLimiter } from './limits/rate-limiter.js';
import { ManagerMetrics } from './metrics/registry.js';
import type { Identity, OperationContext } from './model/context.js';
import { GroupResolver, type ContainerRef } from './model/group-membership.js';
import { ComposeService } from './services/compose.js';
import { ContainerEventsService } from './services/container-events.js';
import { logReadBudget } from './services/containers.js';
import type { HostAccessKind } from './services/fleet.js';
import { GroupService } from './services/groups.js';
import { HealthService } from './services/health.js';
import { MetricsService } from './services/metrics.js';
import { prefixedLogger, type Logger } from './system/logging.js';
import { packageVersion } from './system/package-version.js';

export interface ManagerOptions {
  /**
   * The hosts to manage: a hosts file (watched, as HOSTS_CONFIG is) or hosts already parsed.
   * Without it: HOSTS_CONFIG, else one host `local` from DOCKER_HOST.
   */
  hosts?: string | HostsConfig;
  /** How a host's engine is reached (tests swap in their own); default: openEngine. */
  connect?: (spec: HostSpec) => EngineConnection;
  /** More observers of every call (metrics, say), after the built-in rate limiter and audit recorder. */
  hooks?: CallHooks[];
  /** The host app's data directory (Electron's userData): the audit trail's default home. */
  dataDir?: string;
  /** How often each host's swarm role is read again while it is up (default: every 30 s); tests shorten it. */
  swarmRoleRefreshMs?: number;
}

export interface Manager {
  config: Config;
  runner: OperationRunner;
  /** The configured hosts, each with its gateway, snapshot, health probe and stats. */
  hosts: HostRegistry;
  audit: AuditTrail;
  /** The container never stopped or restarted through the API, if known. */
  selfContainerId: string | undefined;
  compose: ComposeService;
  metrics: ManagerMetrics;
  authenticate(token: string): Promise<Identity>;
  /** Reads the hosts file again now (the server calls it on SIGHUP); without a file, nothing changes. */
  reloadHosts(): HostsReload;
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
  const selfContainerId = config.SELF_CONTAINER_ID ?? detectSelf(logger);
  // Read before anything connects: a broken hosts file stops the manager, naming the field. A
  // hosts file that drops a host services.yml names is broken too: refused at start, and on a
  // reload refused whole (the watcher keeps the hosts in force and reports it until a good edit).
  const servicesFile = config.SERVICES_CONFIG ?? 'services config';
  const checked = (hostsConfig: HostsConfig, source: string): HostsConfig => {
    const problems = unknownHostProblems(services, new Set(hostsConfig.hosts.map((h) => h.name)));
    if (problems.length === 0) return hostsConfig;
    throw new LucidError('VALIDATION_FAILED', `${servicesFile}: ${problems.join('; ')} (hosts from ${source})`, { file: servicesFile, problems });
  };
  const hostsFile = typeof options.hosts === 'string' ? options.hosts : options.hosts ? undefined : config.HOSTS_CONFIG;
  const watcher =
    hostsFile === undefined
      ? undefined
      : new HostsConfigWatcher(hostsFile, (file) => checked(loadHostsConfig(file, hostsContext(config)), file));
  const initial = watcher?.current() ?? checked(typeof options.hosts === 'object' ? options.hosts : loadHosts(config), 'DOCKER_HOST');
  let registry: HostRegistry | undefined;
  const defaultHost = () => registry?.defaultHost() ?? initial.defaultHost;
  const resolver = new GroupResolver(services.groups, config.SERVICES_LABEL_FILTER, (message) => logger.warn(message), defaultHost);
  const groupOf = (container: ContainerRef) => resolver.groupOf(container);
  const settings = {
    timeoutMs: config.DOCKER_TIMEOUT_MS,
    statsLingerMs: config.STATS_LINGER_MS,
    logReadMaxBytes: config.LOG_READ_MAX_BYTES,
    followBacklogMaxBytes: config.STREAM_MAX_QUEUED_BYTES,
    readBudget: logReadBudget(config.LOG_READS_MAX_BYTES, config.DOCKER_TIMEOUT_MS),
    selfContainerId,
    knownGroups: groupNames,
    ...(options.swarmRoleRefreshMs !== undefined ? { swarmRoleRefreshMs: options.swarmRoleRefreshMs } : {}),
  };
  const connect = options.connect ?? ((spec: HostSpec) => openEngine(spec.endpoint, { logger: prefixedLogger(logger, `host ${spec.name}: `) }));
  registry = new HostRegistry(
    initial.hosts,
    (definition) => new EngineHost({ definition, connection: connect(definition), settings, metrics, logger, groupOf }),
    logger,
  );
  const hosts = registry;
  const applyHosts = (next: HostsConfig) => {
    hosts.apply(next.hosts).then(
      () => logger.info(`hosts reloaded: ${next.hosts.map((h) => h.name).join(', ')} (default ${next.defaultHost})`),
      (err: unknown) => logger.error('applying the reloaded hosts failed', err),
    );
  };
  watcher?.onChange(applyHosts);
  watcher?.onError((error) => logger.error(`hosts file not reloaded, the hosts in force stay: ${error.message}`));
  const { compose, swarms, registry: projects } = createComposeService(config, services, hosts, resolver, logger);
  const groups = new GroupService(services, hosts, resolver, { on: (host) => swarms.of(hosts.resolve(host)), registry: projects });
  const events = new ContainerEventsService();
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
    docker: () => hosts.resolve(undefined).health,
    compose: composeAvailability,
    platform: config.LUCID_PLATFORM,
    environment: config.LUCID_ENV,
    version: packageVersion(),
    startedAt: Date.now(),
  });
  const metricsService = new MetricsService({
    metrics,
    // The gauges count each snapshot while it is live; Docker is asked only when it is not.
    hosts: () =>
      hosts.all().map((host) => ({
        name: host.name,
        census: host.census,
        docker: host.health,
        swarm: host.isSwarmManager === true ? swarms.of(host).state : undefined,
      })),
    compose: composeAvailability,
    token: config.METRICS_TOKEN,
  });
  const runner = new OperationRunner(
    {
      ...createHandlers({ hosts, groups, audit, compose, health, metrics: metricsService, events }),
      ...swarmHandlers(
        (name, ctx, kind, fn) => hosts.run(ctx, name, kind, (host) => fn(swarms.of(host))),
        (project) => swarms.projectHost(project),
      ),
    },
    [limiter, recorder, new StreamCaps(config.MAX_STREAMS_PER_CALLER), ...(options.hooks ?? []), ipcCallLog(logger)],
    config.LUCID_ENV === 'development',
  );
  runner.onFailure = (error, name, requestId) =>
    logger.error(`${requestId} ${name} failed with ${error.code}: ${error.message}`, error.cause);
  hosts.start();
  composeAvailability.peek();
  return {
    config,
    runner,
    hosts,
    audit,
    selfContainerId,
    compose,
    metrics,
    authenticate: (token) => verifier.verify(token),
    reloadHosts: () => watcher?.reload() ?? { state: 'unchanged' },
    generatedSecret: keys.generated ? keys.secret : undefined,
    close: async () => {
      try {
        // Compose runs first, bounded: their callers get SHUTTING_DOWN, and the audit trail,
        // still open for one more turn of the loop, records those answers.
        await compose.close();
        await new Promise((resolve) => setImmediate(resolve));
        watcher?.close();
        await swarms.close();
        await hosts.close();
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

function createComposeService(
  config: Config,
  services: ServicesConfig,
  hosts: HostRegistry,
  resolver: GroupResolver,
  logger: Logger,
): { compose: ComposeService; swarms: SwarmHosts; registry: ComposeRegistry } {
  const registry = ComposeRegistry.fromConfig(services, config.COMPOSE_PROJECTS_DIR);
  const driver = new ComposeDriver({ composeBin: config.COMPOSE_BIN, dockerHost: config.DOCKER_HOST });
  // Detected at start so health can say which CLI is in use; a miss is retried on first use.
  void driver.detect();
  const groupHost = new Map(services.groups.map((group) => [group.name, group]));
  // One answer for compose runs and stacks alike: a project's host is its group's, else the default.
  const hostOfGroup = (group: string | null): string => {
    const config = group === null ? undefined : groupHost.get(group);
    return config === undefined ? hosts.defaultHost() : resolver.hostOfGroup(config);
  };
  const engines = {
    forGroup: (group: string | null) => {
      const host = hosts.resolve(hostOfGroup(group));
      return { host: host.name, gateway: host.gateway, dockerHost: () => host.connection.cliDockerHost() };
    },
    requireAccess: (ctx: OperationContext, host: string, kind: HostAccessKind) => hosts.requireAccess(ctx, host, kind),
    mayRead: (ctx: OperationContext, host: string) => hosts.mayRead(ctx, host),
  };
  const timeoutMs = config.COMPOSE_TIMEOUT * 1000;
  const swarms = new SwarmHosts({
    registry,
    driver,
    dockerCli: config.DOCKER_CLI,
    logReadMaxBytes: config.LOG_READ_MAX_BYTES,
    timeoutMs,
    hostOfGroup,
    logger,
  });
  return { compose: new ComposeService(engines, registry, driver, { timeoutMs }), swarms, registry };
}

