import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { LucidError } from '../../src/shared/errors.js';
import type { LiveEvent } from '../../src/shared/schemas/live.js';
import { ContainerCache } from '../../src/main/state/container-cache.js';
import { eventually } from '../support/eventually.js';
import { fakeEventGateway } from '../support/fake-event-gateway.js';

const quiet = { debug: () => {}, warn: () => {}, info: () => {} };

function idOf(n: number): string {
  return n.toString(16).padStart(64, 'a');
}

function inspectOf(id: string, status: string) {
  return {
    Id: id,
    Name: `/c-${id.slice(-6)}`,
    Created: '2026-01-01T00:00:00Z',
    State: { Status: status, StartedAt: '2026-01-01T00:00:00Z', FinishedAt: '0001-01-01T00:00:00Z', ExitCode: 0 },
    Config: { Image: 'img', Labels: {} },
  };
}

/**
 * An engine as the snapshot sees it: an events stream per connection, list and inspect answered
 * from `containers`; `calls` counts each kind, `failing` makes every call fail (a daemon timing out).
 */
function fakeEngine() {
  const containers = new Map<string, ReturnType<typeof inspectOf>>();
  const calls = { list: 0, inspect: 0 };
  const control = { failing: false };
  const { gateway, streams } = fakeEventGateway(
    {
      listContainers: async () => {
        calls.list++;
        return [...containers.keys()].map((Id) => ({ Id }));
      },
      getContainer: (id: string) => ({
        inspect: async () => {
          calls.inspect++;
          const found = containers.get(id);
          if (!found) throw new LucidError('CONTAINER_NOT_FOUND', 'no such container');
          return found;
        },
      }),
    },
    () => (control.failing ? new LucidError('DOCKER_UNAVAILABLE', 'timed out') : undefined),
  );
  return {
    gateway,
    containers,
    calls,
    control,
    set: (id: string, status: string) => containers.set(id, inspectOf(id, status)),
    /** Events in one chunk: the snapshot hears them all before its next refresh. */
    events: (ids: readonly string[], action: string) =>
      streams.at(-1)!.write(ids.map((id) => `${JSON.stringify({ Type: 'container', Action: action, Actor: { ID: id, Attributes: { name: 'gone' } }, time: 1 })}\n`).join('')),
    drop: () => streams.at(-1)!.destroy(new Error('socket hang up')),
    streams,
  };
}

const caches: ContainerCache[] = [];
// The snapshot's timers never keep a process alive (a background loop): the test keeps it alive.
const keepAlive = setInterval(() => {}, 1000);
after(async () => {
  clearInterval(keepAlive);
  for (const cache of caches) await cache.close();
});

function started(engine: ReturnType<typeof fakeEngine>) {
  const cache = new ContainerCache(engine.gateway, quiet);
  caches.push(cache);
  const events: LiveEvent[] = [];
  cache.subscribe((event) => events.push(event));
  cache.start();
  return { cache, events };
}

describe('ContainerCache', () => {
  it('lists and inspects every container on connecting; the first sync sends nothing', async () => {
    const engine = fakeEngine();
    engine.set(idOf(1), 'running');
    engine.set(idOf(2), 'exited');
    const { cache, events } = started(engine);
    assert.equal(await cache.waitLive(2000), true);
    assert.deepEqual(engine.calls, { list: 1, inspect: 2 });
    assert.deepEqual(cache.countByState(), { running: 1, exited: 1 });
    assert.deepEqual(events, []);
  });

  it('an event inspects its container alone, and goes out once the snapshot has it', async () => {
    const engine = fakeEngine();
    const { cache, events } = started(engine);
    await cache.waitLive(2000);
    let changes = 0;
    cache.onChange(() => changes++);
    const version = cache.version;
    engine.set(idOf(3), 'running');
    engine.events([idOf(3)], 'start');
    await eventually(() => (events.length === 1 ? true : undefined), 'the start sent');
    assert.deepEqual(engine.calls, { list: 1, inspect: 1 });
    const [event] = events;
    assert.equal(event?.type === 'container' && event.container?.state, 'running');
    assert.equal(cache.lookup(idOf(3))?.State.Status, 'running');
    assert.equal(cache.version, version + 1);
    assert.equal(changes, 1);
  });

  it('after a reconnect it lists everything again and sends a resync with the total', async () => {
    const engine = fakeEngine();
    engine.set(idOf(4), 'running');
    const { cache, events } = started(engine);
    await cache.waitLive(2000);
    engine.drop();
    await eventually(() => (engine.streams.length === 2 && cache.live ? true : undefined), 'live again after the reconnect', 5000);
    assert.equal(engine.calls.list, 2);
    assert.deepEqual(events.map((e) => e.type === 'resync' && e.total), [1]);
  });

  it('a failed refresh stops serving the snapshot, still sends the events it held, and resyncs', async () => {
    const engine = fakeEngine();
    const { cache, events } = started(engine);
    await cache.waitLive(2000);
    engine.control.failing = true;
    engine.events([idOf(5)], 'destroy');
    await eventually(() => (events.length === 1 ? true : undefined), 'the held event sent');
    assert.equal(cache.live, false);
    assert.equal(events[0]?.type === 'container' && events[0].name, 'gone', 'its name from the event');
    engine.control.failing = false;
    assert.equal(await cache.waitLive(5000), true);
    assert.equal(engine.calls.list, 2, 'the retry was a full resync');
  });

  it('a burst of more than 2000 containers is answered by one list, not one inspect each', async () => {
    const engine = fakeEngine();
    const { cache, events } = started(engine);
    await cache.waitLive(2000);
    engine.events(Array.from({ length: 2001 }, (_, i) => idOf(1000 + i)), 'destroy');
    await eventually(() => (events.filter((e) => e.type === 'container').length === 2001 ? true : undefined), 'every event sent');
    assert.deepEqual(engine.calls, { list: 2, inspect: 0 });
  });
});
