import { PassThrough } from 'node:stream';
import type { DockerGateway } from '../../src/main/docker/gateway.js';

/**
 * The parts of a DockerGateway an event follower uses, around a fake engine's `docker`: one events
 * stream per connection (`streams`, newest last), and calls that fail with `refusal()` when it
 * names an error (a daemon timing out, an engine that is no swarm manager).
 */
export function fakeEventGateway(docker: object, refusal: () => Error | undefined) {
  const streams: PassThrough[] = [];
  let opens = 0;
  const gateway = {
    openStream: async (_operation: string, open: (signal: AbortSignal) => Promise<PassThrough>, { signal }: { signal: AbortSignal }) => {
      opens++;
      const stream = await open(signal);
      signal.addEventListener('abort', () => stream.destroy(), { once: true });
      return stream;
    },
    call: async (_operation: string, fn: (signal: AbortSignal) => Promise<unknown>) => {
      const refused = refusal();
      if (refused) throw refused;
      return fn(new AbortController().signal);
    },
    docker: {
      ...docker,
      getEvents: async () => {
        const stream = new PassThrough();
        streams.push(stream);
        return stream;
      },
    },
  };
  return { gateway: gateway as unknown as DockerGateway, streams, opens: () => opens };
}
