import { after, type TestContext } from 'node:test';
import { declaresBody, getOperation, type OperationName } from '../../src/shared/contract/index.js';
import { locationOf } from '../../src/shared/contract/input.js';
import { fillPath, pathParams } from '../../src/shared/contract/path-template.js';
import type { ManagerOptions } from '../../src/main/create-manager.js';
import type { Role } from '../../src/shared/permissions.js';
import { useEngine } from './engine.js';
import { closeWithTest, envOf, suiteFixture, type EnvSource } from './fixture.js';
import { startIpcHarness, type IpcHarness, type IpcWindow } from './ipc.js';
import { startTestServer, type TestServer } from './server.js';

/** Manager settings no environment variable carries, the same on both transports. */
export type ManagerSettings = Pick<ManagerOptions, 'swarmRoleRefreshMs'>;

export type Outcome = { ok: true; data: any; status?: number } | { ok: false; code: string; status?: number; message: string };

/** Drives a contract operation over one transport, so one scenario runs on REST and on IPC. */
export interface OperationClient {
  readonly transport: 'rest' | 'ipc';
  call(op: OperationName, input?: Record<string, unknown>, role?: Role | null): Promise<Outcome>;
  close(): Promise<void>;
}

export function restPath(op: OperationName, input: Record<string, unknown>): { path: string; rest: Record<string, unknown> } {
  const template = getOperation(op).path;
  const rest = { ...input };
  for (const key of pathParams(template)) delete rest[key];
  return { path: fillPath(template, input), rest };
}

export async function restClient(
  env: Record<string, string> = {},
  t?: TestContext,
  settings: ManagerSettings = {},
): Promise<OperationClient & { server: TestServer }> {
  const server = await startTestServer(env, undefined, { manager: settings });
  return closeWithTest<OperationClient & { server: TestServer }>(t, {
    transport: 'rest',
    server,
    async call(op, input = {}, role = 'admin') {
      const { method, subscription, variantOf } = getOperation(op);
      // A variant is reached on its base route by its query values (e.g. stats?stream=true).
      const { path, rest } = restPath(op, { ...variantOf?.query, ...input });
      // Each field where the operation declares it: a POST's query fields (its `host`) in the query.
      const parts = getOperation(op).input.parts;
      const inQuery = Object.entries(rest).filter(([k]) => method === 'GET' || locationOf(parts, k) === 'query');
      const inBody = Object.fromEntries(Object.entries(rest).filter(([k]) => method !== 'GET' && locationOf(parts, k) !== 'query'));
      const query = inQuery.length > 0 ? `?${new URLSearchParams(inQuery.map(([k, v]) => [k, String(v)]))}` : '';
      if (subscription) return openSubscription(server, path + query, role);
      // An operation without body fields refuses any body, `{}` included: send one only for a field.
      const withBody = method === 'POST' && (declaresBody(getOperation(op)) || Object.keys(inBody).length > 0);
      const res = await server.call(method, path + query, { role, ...(withBody ? { body: inBody } : {}) });
      // Some answers are data with a non-200 status (a probe's 503 "not ready"): no error envelope.
      if (res.status === 200 || (res.status >= 200 && res.body?.error?.code === undefined)) {
        return { ok: true, data: res.body, status: res.status };
      }
      return { ok: false, code: res.body?.error?.code, status: res.status, message: res.body?.error?.message };
    },
    close: () => server.close(),
  });
}

/** A subscription never ends by itself: success is the event stream opening, which is then closed. */
async function openSubscription(server: TestServer, pathAndQuery: string, role: Role | null): Promise<Outcome> {
  const aborter = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (role) headers['authorization'] = `Bearer ${await server.tokenFor(role)}`;
  const res = await fetch(`${server.url}${pathAndQuery}`, { headers, signal: aborter.signal });
  if (res.status === 200 && (res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    aborter.abort();
    return { ok: true, data: { subscribed: true } };
  }
  const body: any = await res.json().catch(() => ({}));
  return { ok: false, code: body?.error?.code, status: res.status, message: body?.error?.message };
}

export async function ipcClient(
  env: Record<string, string> = {},
  t?: TestContext,
  settings: ManagerSettings = {},
): Promise<OperationClient & { harness: IpcHarness }> {
  const harness = await startIpcHarness(env, undefined, settings);
  const windows = new Map<string, IpcWindow>();
  const windowFor = async (role: Role | null) => {
    const key = role ?? 'anonymous';
    let window = windows.get(key);
    if (!window) {
      window = await harness.openWindow(role);
      windows.set(key, window);
    }
    return window;
  };
  return closeWithTest<OperationClient & { harness: IpcHarness }>(t, {
    transport: 'ipc',
    harness,
    async call(op, input = {}, role = 'admin') {
      const { api } = await windowFor(role);
      const [group, method] = op.split('.') as [string, string];
      const failed = (err: unknown): Outcome => {
        const message = err instanceof Error ? err.message : String(err);
        const match = /^\[([A-Z_]+)\] /.exec(message);
        return { ok: false, code: match?.[1] ?? 'UNPARSEABLE', message };
      };
      if (getOperation(op).subscription) {
        // As on REST: success is the stream opening (then it is closed); a failure ends it before that.
        return new Promise<Outcome>((resolve) => {
          const unsubscribe = api[group][method](input, () => undefined, {
            onReady: () => {
              unsubscribe();
              resolve({ ok: true, data: { subscribed: true } });
            },
            onEnd: (err: unknown) => resolve(err ? failed(err) : { ok: true, data: { subscribed: true } }),
          });
        });
      }
      try {
        return { ok: true, data: await api[group][method](input) };
      } catch (err) {
        return failed(err);
      }
    },
    close: async () => {
      await harness.close();
    },
  });
}

export const TRANSPORTS = [
  { name: 'rest', start: restClient },
  { name: 'ipc', start: ipcClient },
] as const;

export type Transport = (typeof TRANSPORTS)[number];

/**
 * A client of one transport for the tests of the enclosing describe block (or file): started
 * before them, closed after them even when one failed.
 */
export function useClient(transport: Transport, env: EnvSource = {}): OperationClient {
  return suiteFixture<OperationClient>(`${transport.name} client`, () => transport.start(envOf(env)));
}

/**
 * Starts clients of one transport for the describe block it is called in: the engine is required
 * before the block, and after it the run's containers are removed and every client closed, also
 * when a test failed.
 */
export function clientPool(transport: Transport): (env?: Record<string, string>) => Promise<OperationClient> {
  const clients: OperationClient[] = [];
  useEngine();
  after(async () => {
    for (const client of clients) await client.close();
  });
  return async (env = {}) => {
    const client = await transport.start(env);
    clients.push(client);
    return client;
  };
}
