import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { LineSplitter, LineTooLongError, readJsonLines } from '../../src/main/docker/json-lines.js';

describe('LineSplitter', () => {
  it('keeps a document cut between chunks until its newline arrives', () => {
    const splitter = new LineSplitter();
    assert.deepEqual(splitter.push(Buffer.from('{"a":1}\n{"b"')), ['{"a":1}']);
    assert.deepEqual(splitter.push(Buffer.from(':2}')), []);
    assert.deepEqual(splitter.push(Buffer.from('\n\n{"c":3}\n')), ['{"b":2}', '{"c":3}']);
  });

  it('joins a multi-byte character split across chunks', () => {
    const bytes = Buffer.from('{"name":"café"}\n', 'utf8');
    const cut = bytes.indexOf(0xc3) + 1;
    const splitter = new LineSplitter();
    assert.deepEqual(splitter.push(bytes.subarray(0, cut)), []);
    assert.deepEqual(splitter.push(bytes.subarray(cut)), ['{"name":"café"}']);
  });

  it('refuses a partial line beyond its bound instead of buffering without limit', () => {
    const splitter = new LineSplitter(16);
    splitter.push(Buffer.from('x'.repeat(10)));
    assert.throws(() => splitter.push(Buffer.from('y'.repeat(10))), LineTooLongError);
  });
});

describe('readJsonLines', () => {
  it('hands over each JSON line, skips garbage, and resolves when the stream ends', async () => {
    const stream = new PassThrough();
    const seen: unknown[] = [];
    const done = readJsonLines(stream, new AbortController().signal, (v) => seen.push(v));
    stream.write('{"n":1}\nnot json\n{"n"');
    stream.end(':2}\n');
    await done;
    assert.deepEqual(seen, [{ n: 1 }, { n: 2 }]);
  });

  it('resolves with the failure when the stream is cut halfway, with nothing for a clean end', async () => {
    const cut = new PassThrough();
    const broken = readJsonLines(cut, new AbortController().signal, () => undefined);
    cut.write('{"n":1}\n');
    cut.destroy(new Error('connection reset'));
    assert.match(String(await broken), /connection reset/);
    const clean = new PassThrough();
    const ended = readJsonLines(clean, new AbortController().signal, () => undefined);
    clean.end('{"n":1}\n');
    assert.equal(await ended, undefined);
  });

  it('resolves when the signal aborts, even though the stream stays open', async () => {
    const stream = new PassThrough();
    const aborter = new AbortController();
    const done = readJsonLines(stream, aborter.signal, () => undefined);
    aborter.abort();
    await done;
  });

  it('destroys a stream that sends an endless line', async () => {
    const stream = new PassThrough();
    const done = readJsonLines(stream, new AbortController().signal, () => undefined);
    stream.write('z'.repeat((1 << 20) + 10));
    await done;
    assert.equal(stream.destroyed, true);
  });
});
