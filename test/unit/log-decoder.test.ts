import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeLog, LogDecoder } from '../../src/main/docker/log-decoder.js';

function frame(stream: 1 | 2, payload: Buffer | string): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

describe('LogDecoder', () => {
  it('splits multiplexed frames into stdout and stderr lines', () => {
    const lines = decodeLog(Buffer.concat([frame(1, 'out one\n'), frame(2, 'err one\n'), frame(1, 'out two\n')]), false, false);
    assert.deepEqual(lines, [
      { stream: 'stdout', text: 'out one' },
      { stream: 'stderr', text: 'err one' },
      { stream: 'stdout', text: 'out two' },
    ]);
  });

  it('joins a multi-byte character split across two frames', () => {
    const euro = Buffer.from('€', 'utf8');
    const data = Buffer.concat([
      frame(1, Buffer.concat([Buffer.from('price 5'), euro.subarray(0, 1)])),
      frame(1, Buffer.concat([euro.subarray(1), Buffer.from('\n')])),
    ]);
    assert.deepEqual(decodeLog(data, false, false), [{ stream: 'stdout', text: 'price 5€' }]);
  });

  it('reassembles a frame header and body split across chunks at every byte', () => {
    const data = Buffer.concat([frame(1, 'héllo wörld\n'), frame(2, 'ß\n')]);
    for (let cut = 1; cut < data.length; cut++) {
      const decoder = new LogDecoder(false, false);
      const lines = [...decoder.push(data.subarray(0, cut)), ...decoder.push(data.subarray(cut)), ...decoder.end()];
      assert.deepEqual(lines, [
        { stream: 'stdout', text: 'héllo wörld' },
        { stream: 'stderr', text: 'ß' },
      ], `cut at ${cut}`);
    }
  });

  it('keeps a last line that has no trailing newline', () => {
    assert.deepEqual(decodeLog(frame(1, 'a\nlast'), false, false), [
      { stream: 'stdout', text: 'a' },
      { stream: 'stdout', text: 'last' },
    ]);
  });

  it('reads a TTY log as raw bytes, without frame headers, and drops the carriage return', () => {
    const lines = decodeLog(Buffer.from('tty line\r\nsecond\r\n'), true, false);
    assert.deepEqual(lines, [
      { stream: 'stdout', text: 'tty line' },
      { stream: 'stdout', text: 'second' },
    ]);
  });

  it('does not take a raw TTY log for frames even when it starts with bytes that look like a header', () => {
    const raw = Buffer.from([1, 0, 0, 0, 0, 0, 0, 3, 0x41, 0x0a]);
    assert.equal(decodeLog(raw, true, false)[0]?.stream, 'stdout');
    assert.equal(decodeLog(raw, true, false)[0]?.text.endsWith('A'), true);
  });

  it('does not let a message without newline swallow the next message and its timestamp', () => {
    const data = Buffer.concat([
      frame(1, '2026-11-28T13:44:00.1Z no-newline'),
      frame(1, '2026-11-28T13:44:00.2Z out1\n'),
    ]);
    assert.deepEqual(decodeLog(data, false, true), [
      { stream: 'stdout', text: 'no-newline', timestamp: '2026-11-28T13:44:00.1Z' },
      { stream: 'stdout', text: 'out1', timestamp: '2026-11-28T13:44:00.2Z' },
    ]);
  });

  it('separates timestamps from the text when asked for them', () => {
    const lines = decodeLog(frame(2, '2026-11-28T13:30:27.938113092Z boom\n'), false, true);
    assert.deepEqual(lines, [{ stream: 'stderr', text: 'boom', timestamp: '2026-11-28T13:30:27.938113092Z' }]);
  });
});
