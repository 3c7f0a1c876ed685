import { LucidError } from '../../src/shared/errors.js';
import { fakeEventGateway } from './fake-event-gateway.js';

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
  const reads: string[] = [];
  let manager = true;
  const answer = (path: string, query: { filters?: { id?: string[] } }): unknown => {
    if (path.startsWith('/nodes')) {
      reads.push('nodes');
      return nodes;
    }
    const id = query.filters?.id?.[0];
    reads.push(id === undefined ? 'services' : `service ${id}`);
    return [...services.values()].filter((s) => id === undefined || s.ID.startsWith(id));
  };
  const { gateway, streams, opens } = fakeEventGateway(
    {
      modem: {
        dial: (options: { path: string; options: { _query: { filters?: { id?: string[] } } } }, callback: (err: unknown, data: unknown) => void) =>
          callback(null, answer(options.path, options.options._query)),
      },
    },
    // What swarmCall makes of Docker's 503 on a worker.
    () => (manager ? undefined : new LucidError('NOT_SWARM_MANAGER', 'not a manager')),
  );
  return {
    gateway,
    services,
    reads,
    opens,
    setService: (id: string, running: number, desired: number) =>
      services.set(id, { ID: id, Version: { Index: running }, Spec: { Name: `svc-${id}` }, ServiceStatus: { RunningTasks: running, DesiredTasks: desired } }),
    send: (value: unknown) => streams.at(-1)!.write(`${JSON.stringify(value)}\n`),
    drop: () => streams.at(-1)!.destroy(new Error('socket hang up')),
    setManager: (on: boolean) => {
      manager = on;
    },
  };
}
