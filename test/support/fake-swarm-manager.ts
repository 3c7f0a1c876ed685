import { PassThrough } from 'node:stream';
import type { DockerGateway } from '../../src/main/docker/gateway.js';
import { LucidError } from '../../src/shared/errors.js';

interface FakeService {
  ID: string;
  Version: { Index: number };
  Spec: { Name: string };
  ServiceStatus: { RunningTasks: number; DesiredTasks: number };
}

/**
 * A swarm manager as the state sees it: an events stream per connection, and `/nodes` and
 * `/services` answered from what the test sets. `reads` names each read in order: `nodes`,
 * `services` (the whole list) or `service <id>` (filtered by id).
 */
export function fakeManager() {
  const services = new Map<string, FakeService>();
  const nodes = [{ ID: 'n1', Version: { Index: 1 }, Spec: { Role: 'manager', Availability: 'active' }, Status: { State: 'ready' } }];
  const streams: PassThrough[] = [];
  const reads: string[] = [];
  let manager = true;
  let opens = 0;
  const answer = (path: string, query: { filters?: { id?: string[] } }): unknown => {
    if (path.startsWith('/nodes')) {
      reads.push('nodes');
      return nodes;
    }
    const id = query.filters?.id?.[0];
    reads.push(id === undefined ? 'services' : `service ${id}`);
    return [...services.values()].filter((s) => id === undefined || s.ID.startsWith(id));
  };
  const gateway = {
    openStream: async (_operation: string, open: (signal: AbortSignal) => Promise<PassThrough>, { signal }: { signal: AbortSignal }) => {
      opens++;
      const stream = await open(signal);
      signal.addEventListener('abort', () => stream.destroy(), { once: true });
      return stream;
    },
    call: async (_operation: string, fn: (signal: AbortSignal) => Promise<unknown>) => {
      // What swarmCall makes of Docker's 503 on a worker.
      if (!manager) throw new LucidError('NOT_SWARM_MANAGER', 'not a manager');
      return fn(new AbortController().signal);
    },
    docker: {
      getEvents: async () => {
        const stream = new PassThrough();
        streams.push(stream);
        return stream;
      },
      modem: {
        dial: (options: { path: string; options: { _query: { filters?: { id?: string[] } } } }, callback: (err: unknown, data: unknown) => void) =>
          callback(null, answer(options.path, options.options._query)),
      },
    },
  };
  return {
    gateway: gateway as unknown as DockerGateway,
    services,
    reads,
    opens: () => opens,
    setService: (id: string, running: number, desired: number) =>
      services.set(id, { ID: id, Version: { Index: running }, Spec: { Name: `svc-${id}` }, ServiceStatus: { RunningTasks: running, DesiredTasks: desired } }),
    send: (value: unknown) => streams.at(-1)!.write(`${JSON.stringify(value)}\n`),
    drop: () => streams.at(-1)!.destroy(new Error('socket hang up')),
    setManager: (on: boolean) => {
      manager = on;
    },
  };
}
