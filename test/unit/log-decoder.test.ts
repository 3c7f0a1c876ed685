import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeLog, LogDecoder, MAX_LINE_CHARS } from '../../src/main/docker/log-decoder.js';

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
      { stream: 'stdout', text: 'no-newline', timestamp: '2026-11-28T13:44:00.1Z', partial: true },
      { stream: 'stdout', text: 'out1', timestamp: '2026-11-28T13:44:00.2Z' },
    ]);
  });

  it('separates timestamps from the text when asked for them', () => {
    const lines = decodeLog(frame(2, '2026-11-28T13:30:27.938113092Z boom\n'), false, true);
    assert.deepEqual(lines, [{ stream: 'stderr', text: 'boom', timestamp: '2026-11-28T13:30:27.938113092Z' }]);
  });

  it('delivers a line longer than the limit in pieces marked partial, the last one unmarked', () => {
    const long = 'x'.repeat(MAX_LINE_CHARS * 2 + 5);
    const lines = decodeLog(frame(1, `${long}\nnext\n`), false, false);
    assert.deepEqual(
      lines.map((l) => [l.text.length, l.partial]),
      [[MAX_LINE_CHARS, true], [MAX_LINE_CHARS, true], [5, undefined], [4, undefined]],
    );
    assert.equal(lines.slice(0, 3).map((l) => l.text).join(''), long, 'the pieces put back together are the line');
  });

  it('keeps a line of exactly the limit whole', () => {
    const lines = decodeLog(frame(1, `${'y'.repeat(MAX_LINE_CHARS)}\n`), false, false);
    assert.deepEqual(lines.map((l) => [l.text.length, l.partial]), [[MAX_LINE_CHARS, undefined]]);
  });

  it('handles 64 MiB without a newline in small chunks holding at most one piece: linear work', () => {
    const decoder = new LogDecoder(true, false);
    const chunk = Buffer.alloc(4096, 0x61);
    let delivered = 0;
    let pieces = 0;
    let maxHeld = 0;
    for (let i = 0; i < 16 * 1024; i++) {
      for (const line of decoder.push(chunk)) {
        assert.equal(line.partial, true);
        assert.ok(line.text.length <= MAX_LINE_CHARS);
        delivered += line.text.length;
        pieces++;
      }
      maxHeld = Math.max(maxHeld, decoder.heldChars);
    }
    assert.ok(maxHeld <= MAX_LINE_CHARS, `never more than one piece held (${maxHeld})`);
    assert.equal(delivered + decoder.heldChars, 64 * 1024 * 1024, 'every byte is delivered or held');
    assert.equal(pieces, Math.floor((64 * 1024 * 1024 - 1) / MAX_LINE_CHARS));
  });

  it('delivers carriage-return redraws as they come, and takes \r\n split across chunks as one break', () => {
    const decoder = new LogDecoder(true, false);
    const first = decoder.push(Buffer.from('10%\r20%\r'));
    assert.deepEqual(first.map((l) => l.text), ['10%', '20%'], 'each redraw arrives at once');
    const second = [...decoder.push(Buffer.from('30%\r')), ...decoder.push(Buffer.from('\ndone\n'))];
    assert.deepEqual(second.map((l) => l.text), ['30%', 'done'], 'no empty line between \r and \n');
  });

  it('does not gather a frame that claims a huge size: its body is decoded as it arrives', () => {
    const decoder = new LogDecoder(false, false);
    const header = Buffer.alloc(8);
    header[0] = 1;
    header.writeUInt32BE(0xffffffff, 4);
    const lines = [...decoder.push(header), ...decoder.push(Buffer.from('a\nb\n'))];
    assert.deepEqual(lines.map((l) => l.text), ['a', 'b']);
  });

  it('gives the pieces of a long timestamped message the message time', () => {
    const ts = '2026-11-28T13:44:00.123456789Z';
    const lines = decodeLog(frame(1, `${ts} ${'z'.repeat(MAX_LINE_CHARS + 10)}\n`), false, true);
    assert.equal(lines.length, 2);
    assert.ok(lines.every((l) => l.timestamp === ts));
    assert.equal(lines[0]?.partial, true);
  });
});
