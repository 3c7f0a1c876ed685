import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeLog, LogDecoder, MAX_DAEMON_ERRORS } from '../../src/main/docker/log-decoder.js';
import type { LogLine } from '../../src/shared/schemas/containers.js';

/** A frame as moby's stdcopy writes it: stream byte, three zero bytes, big-endian length, body. */
function frame(stream: number, payload: Buffer | string): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** What the daemon writes when a swarm task's node is down (api/server/httputils WriteLogStream). */
const GRAB =
  'Error grabbing logs: rpc error: code = Unknown desc = warning: incomplete log stream. some logs could not be retrieved for the following reasons: node abc is not available';

function decodeAll(decoder: LogDecoder, chunks: Buffer[]): { lines: LogLine[]; errors: string[] } {
  const lines: LogLine[] = [];
  const errors: string[] = [];
  for (const chunk of chunks) {
    lines.push(...decoder.push(chunk));
    errors.push(...decoder.takeDaemonErrors().messages);
  }
  lines.push(...decoder.end());
  errors.push(...decoder.takeDaemonErrors().messages);
  return { lines, errors };
}

describe('LogDecoder: the daemon system-error stream (3)', () => {
  it('never makes a line of a stream-3 frame, and keeps its message apart', () => {
    const data = Buffer.concat([frame(1, 'out one\n'), frame(3, `${GRAB}\n`), frame(2, 'err one\n'), frame(1, 'out two\n')]);
    const { lines, errors } = decodeAll(new LogDecoder(false, false), [data]);
    assert.deepEqual(lines, [
      { stream: 'stdout', text: 'out one' },
      { stream: 'stderr', text: 'err one' },
      { stream: 'stdout', text: 'out two' },
    ]);
    assert.deepEqual(errors, [GRAB]);
  });

  it('reassembles stream-3 frames split across chunks at every byte, mixed with stdout and stderr', () => {
    const data = Buffer.concat([frame(1, 'a\n'), frame(3, 'Error grabbing logs: é\n'), frame(2, 'b\n'), frame(3, `${GRAB}\n`), frame(1, 'c\n')]);
    for (let cut = 1; cut < data.length; cut++) {
      for (const second of [cut + 1, cut + 7]) {
        if (second >= data.length) continue;
        const chunks = [data.subarray(0, cut), data.subarray(cut, second), data.subarray(second)];
        const { lines, errors } = decodeAll(new LogDecoder(false, false), chunks);
        assert.deepEqual(lines, [
          { stream: 'stdout', text: 'a' },
          { stream: 'stderr', text: 'b' },
          { stream: 'stdout', text: 'c' },
        ], `cut at ${cut}, ${second}`);
        assert.deepEqual(errors, ['Error grabbing logs: é', GRAB], `cut at ${cut}, ${second}`);
      }
    }
  });

  it('with timestamps: a stream-3 frame (the daemon writes it without a time) neither ends nor joins a line', () => {
    const ts = '2026-11-28T13:30:27.938113092Z';
    const data = Buffer.concat([frame(1, `${ts} open`), frame(3, `${GRAB}\n`), frame(1, `${ts} next\n`)]);
    const decoder = new LogDecoder(false, true);
    const { lines, errors } = decodeAll(decoder, [data]);
    assert.deepEqual(lines, [
      { stream: 'stdout', text: 'open', timestamp: ts, partial: true },
      { stream: 'stdout', text: 'next', timestamp: ts },
    ]);
    assert.deepEqual(errors, [GRAB]);
  });

  it('bounds what it holds: each message to 1 KiB, and at most MAX_DAEMON_ERRORS messages, the rest counted', () => {
    const huge = `Error grabbing logs: ${'x'.repeat(5 * 1024 * 1024)}\n`;
    const decoder = new LogDecoder(false, false);
    const frames = [frame(3, huge), ...Array.from({ length: MAX_DAEMON_ERRORS + 4 }, (_, i) => frame(3, `err ${i}\n`)), frame(1, 'after\n')];
    const lines = [...decoder.push(Buffer.concat(frames)), ...decoder.end()];
    assert.deepEqual(lines, [{ stream: 'stdout', text: 'after' }]);
    const { messages, leftOut } = decoder.takeDaemonErrors();
    assert.equal(messages.length, MAX_DAEMON_ERRORS);
    assert.equal(messages[0]?.length, 1024);
    assert.ok(messages[0]?.startsWith('Error grabbing logs: xxx'));
    assert.equal(messages[1], 'err 0');
    assert.equal(leftOut, 5);
    assert.deepEqual(decoder.takeDaemonErrors(), { messages: [], leftOut: 0 }, 'taken once');
  });

  it('ignores an empty stream-3 frame', () => {
    const decoder = new LogDecoder(false, false);
    assert.deepEqual(decoder.push(Buffer.concat([frame(3, ''), frame(3, '\n'), frame(1, 'x\n')])), [{ stream: 'stdout', text: 'x' }]);
    assert.deepEqual(decoder.takeDaemonErrors().messages, []);
  });

  it('reads stream 0 (stdin) as stdout, as the CLI does', () => {
    assert.deepEqual(decodeLog(frame(0, 'in\n'), false, false), [{ stream: 'stdout', text: 'in' }]);
  });

  it('leaves a TTY log untouched: its bytes are text, a 3 among them included', () => {
    const raw = Buffer.concat([Buffer.from([3, 0, 0, 0, 0, 0, 0, 2]), Buffer.from('hi\n')]);
    const decoder = new LogDecoder(true, false);
    const { lines, errors } = decodeAll(decoder, [raw]);
    assert.deepEqual(lines, [{ stream: 'stdout', text: raw.subarray(0, raw.length - 1).toString('utf8') }]);
    assert.deepEqual(errors, []);
  });
});
