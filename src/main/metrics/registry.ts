import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CONTAINER_STATES } from '../../shared/schemas/containers.js';
import type { CallObserver, CallResult } from '../docker/gateway.js';
import type { ContainerCounts } from './census.js';

/** The replica series one host exports at most (by service name): a cluster of thousands of services stays a bounded scrape. */
export const SWARM_SERVICES_EXPORTED = 200;
/** Docker's node states; anything else is counted as `unknown`. */
const NODE_STATES = ['ready', 'down', 'disconnected', 'unknown'] as const;
const NODE_AVAILABILITIES = ['active', 'pause', 'drain'] as const;

/** What the swarm gauges show of one manager host. */
export interface SwarmView {
  nodes: readonly { state: string; availability: string }[];
  services: readonly { name: string; running: number; desired: number }[];
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Methods outside this list are counted as OTHER, so a client cannot mint label values. */
const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

let processRegistry: Registry | undefined;

/**
 * Process and Node.js metrics describe the process, not a manager, and prom-client cannot stop
 * their collectors: they are registered once per process and shared by every manager in it.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    // The event-loop delay monitor is a libuv timer: at prom-client's default 10 ms it alone costs
    // an idle manager about 0.6 % of a core; every 100 ms it costs 0.1 % and still shows lag.
    collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: 100 });
  }
  return processRegistry;
}

/**
 * The manager's own metrics, in a registry it owns (several managers in one process, as in the
 * tests, do not clash). No label ever carries a container id or name: cardinality stays bounded.
 * The `host` label takes only the names of configured hosts; a host's series go when it does.
 */
export class ManagerMetrics {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;

  private readonly containers = new Gauge({
    name: 'lucid_containers_total',
    help: 'Containers known to each host\'s Docker daemon, by state (every state present, 0 included).',
    labelNames: ['host', 'state'],
    registers: [this.registry],
  });

  private readonly servicesHealthy = new Gauge({
    name: 'lucid_services_healthy',
    help: 'Running containers of each configured service group that are healthy or have no healthcheck.',
    labelNames: ['group'],
    registers: [this.registry],
  });

  private readonly dockerOperations = new Counter({
    name: 'docker_operations_total',
    help: 'Calls to the Docker daemons, by host, operation and result.',
    labelNames: ['host', 'operation', 'result'],
    registers: [this.registry],
  });

  private readonly dockerDuration = new Histogram({
    name: 'docker_operation_duration_seconds',
    help: 'Duration of calls to the Docker daemon, retries included.',
    labelNames: ['host', 'operation'],
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  private readonly dockerUp = new Gauge({
    name: 'lucid_docker_up',
    help: '1 when the latest ping of the host\'s Docker daemon succeeded, else 0.',
    labelNames: ['host'],
    registers: [this.registry],
  });

  private readonly composeAvailable = new Gauge({
    name: 'lucid_compose_available',
    help: '1 when a Docker Compose CLI (plugin or standalone) was found, else 0.',
    registers: [this.registry],
  });

  private readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests served, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration, by method and route pattern.',
    labelNames: ['method', 'route'],
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  private readonly swarmNodes = new Gauge({
    name: 'lucid_swarm_nodes',
    help: 'Nodes of the swarm a manager host sees, by state and availability (every pair present, 0 included).',
    labelNames: ['host', 'state', 'availability'],
    registers: [this.registry],
  });

  private readonly swarmServices = new Gauge({
    name: 'lucid_swarm_services',
    help: `Services of the swarm a manager host sees, all of them (replica series are exported for the first ${SWARM_SERVICES_EXPORTED} by name).`,
    labelNames: ['host'],
    registers: [this.registry],
  });

  private readonly swarmReplicas = new Gauge({
    name: 'lucid_swarm_service_replicas',
    help: `Running and desired replicas of each swarm service, the first ${SWARM_SERVICES_EXPORTED} by name per manager host.`,
    labelNames: ['host', 'service', 'kind'],
    registers: [this.registry],
  });

  /** The services each host exports replica series for now: a service that goes takes its series along. */
  private readonly exportedServices = new Map<string, Set<string>>();

  /** `groups`: the configured service group names, the only values the `group` label takes. */
  constructor(private readonly groups: readonly string[]) {
    processMetrics();
    this.setHealthyByGroup({});
    this.composeAvailable.set(0);
  }

  /** The observer of one host's Docker calls. */
  forHost(host: string): CallObserver {
    this.setDockerUp(host, false);
    this.setContainerCounts(host, {});
    return {
      observe: (operation: string, result: CallResult, seconds: number) => {
        this.dockerOperations.inc({ host, operation, result });
        this.dockerDuration.observe({ host, operation }, seconds);
      },
    };
  }

  /** A host left the configuration: its series go with it. */
  async removeHost(host: string): Promise<void> {
    this.setSwarm(host, null);
    for (const metric of [this.containers, this.dockerOperations, this.dockerDuration, this.dockerUp]) {
      const { values } = await metric.get();
      for (const { labels } of values) {
        if (labels['host'] !== host) continue;
        // A histogram's bucket series carry `le`; removing by the other labels drops them all.
        const { le: _le, ...series } = labels as Record<string, string | number>;
        (metric as { remove(labels: Record<string, string | number>): void }).remove(series);
      }
    }
  }

  /** `route` is the matched pattern (e.g. `/api/v1/containers/{id}`), never the raw path. */
  observeHttp(method: string, route: string, status: number, seconds: number): void {
    const m = HTTP_METHODS.has(method) ? method : 'OTHER';
    this.httpRequests.inc({ method: m, route, status: String(status) });
    this.httpDuration.observe({ method: m, route }, seconds);
  }

  setContainerCounts(host: string, byState: ContainerCounts['byState']): void {
    for (const state of CONTAINER_STATES) this.containers.set({ host, state }, byState[state] ?? 0);
  }

  /** Summed over every host: a group may span several. */
  setHealthyByGroup(healthyByGroup: ContainerCounts['healthyByGroup']): void {
    for (const group of this.groups) this.servicesHealthy.set({ group }, healthyByGroup[group] ?? 0);
  }

  /** A manager host's cluster, or null when the host is no manager (or its state is not live): its series go. */
  setSwarm(host: string, view: SwarmView | null): void {
    const exported = this.exportedServices.get(host) ?? new Set<string>();
    const services = view === null ? [] : [...view.services].sort((a, b) => a.name.localeCompare(b.name)).slice(0, SWARM_SERVICES_EXPORTED);
    const now = new Set(services.map((s) => s.name));
    for (const service of exported) {
      if (now.has(service)) continue;
      for (const kind of ['running', 'desired']) this.swarmReplicas.remove({ host, service, kind });
    }
    if (view === null) {
      this.exportedServices.delete(host);
      this.swarmServices.remove({ host });
      for (const state of NODE_STATES) for (const availability of NODE_AVAILABILITIES) this.swarmNodes.remove({ host, state, availability });
      return;
    }
    this.exportedServices.set(host, now);
    for (const { name, running, desired } of services) {
      this.swarmReplicas.set({ host, service: name, kind: 'running' }, running);
      this.swarmReplicas.set({ host, service: name, kind: 'desired' }, desired);
    }
    this.swarmServices.set({ host }, view.services.length);
    const counts = new Map<string, number>();
    for (const node of view.nodes) {
      const state = (NODE_STATES as readonly string[]).includes(node.state) ? node.state : 'unknown';
      counts.set(`${state}/${node.availability}`, (counts.get(`${state}/${node.availability}`) ?? 0) + 1);
    }
    for (const state of NODE_STATES) {
      for (const availability of NODE_AVAILABILITIES) this.swarmNodes.set({ host, state, availability }, counts.get(`${state}/${availability}`) ?? 0);
    }
  }

  setDockerUp(host: string, up: boolean): void {
    this.dockerUp.set({ host }, up ? 1 : 0);
  }

  setComposeAvailable(available: boolean): void {
    this.composeAvailable.set(available ? 1 : 0);
  }

  /** Prometheus text format: the manager's metrics, then the process's. */
  async exposition(): Promise<string> {
    const [own, process] = await Promise.all([this.registry.metrics(), processMetrics().metrics()]);
    return own.endsWith('\n') ? own + process : `${own}\n${process}`;
  }
}
