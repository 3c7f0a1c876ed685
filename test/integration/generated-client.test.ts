import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { useTestServer } from '../support/server.js';

const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * Every operation called the way its documentation says, through a client generated at the
 * generators' defaults (`createClient<paths>()`), with its answer used as the documented type.
 * Routes that also stream answer JSON or, as an array of events, Server-Sent Events.
 */
const CLIENT = `import createClient from 'openapi-fetch';
import type { paths } from './paths.js';

const client = createClient<paths>({ baseUrl: 'http://127.0.0.1:8098' });

export async function everyOperation(id: string): Promise<void> {
  const list = await client.GET('/api/v1/containers', { params: { query: { all: true, state: 'running', group: 'core' } } });
  const total: number | undefined = list.data?.total;
  const one = await client.GET('/api/v1/containers/{id}', { params: { path: { id } } });
  const mounts: string[] | undefined = one.data?.mounts.map((m) => m.destination);
  const started = await client.POST('/api/v1/containers/{id}/start', { params: { path: { id } } });
  const stopped = await client.POST('/api/v1/containers/{id}/stop', { params: { path: { id } }, body: { timeout: 0 } });
  const restarted = await client.POST('/api/v1/containers/{id}/restart', { params: { path: { id } }, body: {} });
  const changed: boolean[] = [started.data, stopped.data, restarted.data].flatMap((d) => (d ? [d.changed] : []));

  const logs = await client.GET('/api/v1/containers/{id}/logs', {
    params: { path: { id }, query: { tail: 10, since: '1700000000', timestamps: true, stream: 'stdout' } },
  });
  if (logs.data && !Array.isArray(logs.data)) {
    const text: string[] = logs.data.lines.map((line) => line.text);
    void text;
  }
  const followed = await client.GET('/api/v1/containers/{id}/logs', {
    params: { path: { id }, query: { follow: true, tail: 0 } },
    headers: { accept: 'text/event-stream' },
    parseAs: 'stream',
  });
  const stats = await client.GET('/api/v1/containers/{id}/stats', { params: { path: { id } } });
  if (stats.data && !Array.isArray(stats.data)) {
    const cpu: number = stats.data.cpuPercent;
    void cpu;
  }
  const live = await client.GET('/api/v1/containers/{id}/stats', { params: { path: { id }, query: { stream: true } }, parseAs: 'stream' });
  // A stream never ends by itself: read it as one, and type its events from the document.
  const events = await client.GET('/api/v1/events', { params: { query: { group: 'core' } }, parseAs: 'stream' });
  const body: ReadableStream<Uint8Array> | null | undefined = events.data;
  type ChangeEvent = paths['/api/v1/events']['get']['responses'][200]['content']['text/event-stream'][number];
  const onEvent = (event: ChangeEvent): string | undefined =>
    event.event === 'container' ? (event.data.type === 'container' ? event.data.action : 'resync') : undefined;
  const batch = await client.GET('/api/v1/stats', { params: { query: { group: 'core' } } });
  // The route also streams (stream=true): the answer's type is the JSON one or the events.
  const running: number | undefined = batch.data && !Array.isArray(batch.data) ? batch.data.running : undefined;
  const batches = await client.GET('/api/v1/stats', { params: { query: { stream: true } }, parseAs: 'stream' });
  void batches.data;

  const groups = await client.GET('/api/v1/services');
  const names: string[] | undefined = groups.data?.groups.map((g) => g.name);
  const group = await client.GET('/api/v1/services/{group}', { params: { path: { group: 'core' } } });
  const healthy: number | undefined = group.data?.healthy;
  const start = await client.POST('/api/v1/services/{group}/start', { params: { path: { group: 'core' } }, body: { dryRun: true } });
  const stop = await client.POST('/api/v1/services/{group}/stop', { params: { path: { group: 'core' } }, body: { dryRun: true, timeout: 5 } });
  for (const answer of [start.data, stop.data]) {
    if (answer && !Array.isArray(answer)) {
      const ok: boolean = answer.ok;
      void ok;
    }
  }

  const audit = await client.GET('/api/v1/audit', { params: { query: { limit: 10, since: '2024-01-01T00:00:00Z', sub: 'someone' } } });
  const entries: string[] | undefined = audit.data?.entries.map((e) => e.operation);

  const projects = await client.GET('/api/v1/compose/projects');
  const projectNames: string[] | undefined = projects.data?.projects.map((p) => p.name);
  const status = await client.GET('/api/v1/compose/status', { params: { query: { project: 'demo' } } });
  const state: string | undefined = status.data?.state;
  const up = await client.POST('/api/v1/compose/up', { body: { project: 'demo', services: ['web'], wait: true } });
  const down = await client.POST('/api/v1/compose/down', { body: { project: 'demo', removeVolumes: false, timeout: 0 } });
  for (const answer of [up.data, down.data]) {
    if (answer && !Array.isArray(answer)) {
      const exitCode: number = answer.exitCode;
      void exitCode;
    }
  }

  const nodes = await client.GET('/api/v1/swarm/nodes', { params: { query: { host: 'local' } } });
  const swarmEvents = await client.GET('/api/v1/swarm/events', { params: { query: { host: 'local' } }, parseAs: 'stream' });
  type SwarmChange = paths['/api/v1/swarm/events']['get']['responses'][200]['content']['text/event-stream'][number];
  const onSwarm = (change: SwarmChange): string | undefined =>
    change.event === 'swarm' && change.data.type === 'service' ? change.data.name : undefined;
  const swarmBody: ReadableStream<Uint8Array> | null | undefined = swarmEvents.data;
  const drained = await client.POST('/api/v1/swarm/nodes/{node}/availability', { params: { path: { node: 'worker1' } }, body: { availability: 'drain' } });
  const swarmServices = await client.GET('/api/v1/swarm/services', { params: { query: { stack: 'demo' } } });
  const tasks = await client.GET('/api/v1/swarm/services/{service}/tasks', { params: { path: { service: 'demo_web' } } });
  const serviceLogs = await client.GET('/api/v1/swarm/services/{service}/logs', { params: { path: { service: 'demo_web' }, query: { tail: 10 } } });
  const scaled = await client.POST('/api/v1/swarm/services/{service}/scale', { params: { path: { service: 'demo_web' } }, body: { replicas: 3 } });
  const rolledBack = await client.POST('/api/v1/swarm/services/{service}/rollback', { params: { path: { service: 'demo_web' } } });
  const forced = await client.POST('/api/v1/swarm/services/{service}/restart', { params: { path: { service: 'demo_web' } } });
  const hostList = await client.GET('/api/v1/hosts');
  const mayControl: boolean | undefined = hostList.data?.hosts[0]?.access.control;
  const swarmRole: 'manager' | 'worker' | 'none' | undefined = hostList.data?.hosts[0]?.swarm?.role;
  const session = await client.GET('/api/v1/session');
  const role: 'user' | 'developer' | 'admin' | undefined = session.data?.role;
  const stacks = await client.GET('/api/v1/stacks');
  const deployed = await client.POST('/api/v1/stacks/deploy', { body: { project: 'demo' } });
  const removed = await client.POST('/api/v1/stacks/remove', { body: { project: 'demo' } });
  const removedByName = await client.POST('/api/v1/stacks/{stack}/remove', { params: { path: { stack: 'Demo.cli' } } });
  const hostnames: string[] | undefined = nodes.data?.nodes.map((n) => n.hostname);
  const desired: number[] | undefined = swarmServices.data?.services.map((s) => s.replicas.desired);
  const taskStates: string[] | undefined = tasks.data?.tasks.map((t) => t.state);
  const stackNames: string[] | undefined = stacks.data?.stacks.map((s) => s.name);
  void [drained.data?.changed, serviceLogs.data, scaled.data?.version, rolledBack.data?.name, forced.data?.id, deployed.data, removed.data, removedByName.data];
  void [hostnames, desired, taskStates, stackNames, mayControl, swarmRole, role];

  const health = await client.GET('/health');
  const docker: 'up' | 'down' | undefined = health.data?.docker;
  const alive = await client.GET('/api/v1/live');
  const ready = await client.GET('/api/v1/ready');
  const details = await client.GET('/api/v1/health');
  const metrics = await client.GET('/metrics', { parseAs: 'text' });
  const rateLimited = stopped.error?.error.code === 'RATE_LIMITED';
  const requestId: string | null = stopped.response.headers.get('X-Request-Id');

  void [total, mounts, changed, followed, live, body, onEvent, onSwarm, swarmBody, running, names, healthy, entries, projectNames, state, docker];
  void [alive.data?.status, ready.data?.ready, details.data?.compose.available, metrics.data, rateLimited, requestId];
}
`;

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    noEmit: true,
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022', 'DOM'],
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    types: [],
  },
  files: ['client.ts'],
};

describe('a client generated from /openapi.json at the generators’ defaults', () => {
  const server = useTestServer();
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lucid-generated-client-'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  });

  after(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('calls every operation with its documented arguments and answer types, and typechecks', async () => {
    const res = await server.call('GET', '/openapi.json', { role: null });
    assert.equal(res.status, 200);
    const doc = res.body;
    for (const [path, item] of Object.entries<Record<string, unknown>>(doc.paths)) {
      for (const method of Object.keys(item)) {
        assert.ok(CLIENT.includes(`client.${method.toUpperCase()}('${path}'`), `the client calls ${method.toUpperCase()} ${path}`);
      }
    }
    writeFileSync(join(dir, 'paths.ts'), astToString(await openapiTS(doc)));
    writeFileSync(join(dir, 'client.ts'), CLIENT);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await promisify(execFile)(process.execPath, [tsc, '-p', dir]).catch((err: { stdout?: string; stderr?: string }) => err);
    assert.equal('code' in result ? result.code : 0, 0, `tsc:\n${result.stdout ?? ''}${result.stderr ?? ''}`);
  });
});
