import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import type { DockerGateway } from '../../src/main/docker/gateway.js';
import { OperationContext } from '../../src/main/model/context.js';
import { followServiceLog } from '../../src/main/services/swarm-log-follow.js';
import { swarmFollowLogsInput, swarmLogEventSchema } from '../../src/shared/schemas/swarm.js';

function frame(stream: number, text: string): Buffer {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** A gateway whose daemon answers the follow with `stream`: the decoder's path, no engine. */
function gatewayWith(stream: PassThrough): DockerGateway {
  const modem = { dial: (_options: object, callback: (err: unknown, s: NodeJS.ReadableStream) => void) => callback(null, stream) };
  return {
    docker: { modem },
    openStream: (_op: string, open: (signal: AbortSignal) => Promise<NodeJS.ReadableStream>) => open(new AbortController().signal),
  } as unknown as DockerGateway;
}

describe("a followed service log's daemon errors", () => {
  it('arrive as { daemonError } notices after the lines read before them, and the follow goes on', async () => {
    const daemon = new PassThrough();
    const events: unknown[] = [];
    const ctx = new OperationContext(null, { onEvent: (e) => events.push(e) });
    const input = swarmFollowLogsInput.parse({ service: 'web', tail: '0' });
    const following = followServiceLog(gatewayWith(daemon), 'svc1', false, input, ctx);
    const grab = 'Error grabbing logs: rpc error: code = Unknown desc = node abc is not available';
    const error = frame(3, `${grab}\n`);
    daemon.write(Buffer.concat([frame(1, 'one\n'), error.subarray(0, 11)]));
    daemon.write(error.subarray(11));
    daemon.write(frame(2, 'two\n'));
    daemon.end(frame(1, 'three\n'));
    const end = await following;
    assert.deepEqual(events, [
      { stream: 'stdout', text: 'one' },
      { daemonError: grab },
      { stream: 'stderr', text: 'two' },
      { stream: 'stdout', text: 'three' },
    ]);
    for (const event of events) swarmLogEventSchema.parse(event);
    assert.deepEqual(end, { lines: 3, reason: 'ended' }, 'a notice is not counted as a line');
  });
});
