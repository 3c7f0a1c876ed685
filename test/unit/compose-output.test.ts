import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineSplitter } from '../../src/main/compose/line-splitter.js';
import { relativizeOutput } from '../../src/main/compose/output-paths.js';

function split(chunks: (string | Buffer)[], cap = 10): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter(cap, (line) => lines.push(line));
  for (const chunk of chunks) splitter.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  splitter.end();
  return lines;
}

describe('compose output lines', () => {
  it('splits on \\n, \\r\\n and a lone \\r, across chunk boundaries', () => {
    assert.deepEqual(split(['one\ntw', 'o\r', '\nthree\rfour']), ['one', 'two', 'three', 'four']);
    assert.deepEqual(split(['a\r\n\r\nb\n']), ['a', '', 'b']);
  });

  it('keeps a character split between chunks whole', () => {
    const euro = Buffer.from('€\n');
    assert.deepEqual(split([euro.subarray(0, 1), euro.subarray(1)]), ['€']);
  });

  it('cuts a line at the cap, reports it at once and drops the rest as it arrives', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter(10, (line) => lines.push(line));
    let most = 0;
    const chunk = Buffer.alloc(64 * 1024, 'x');
    // 64 MB of one line: nothing of it beyond the cap is ever held.
    for (let i = 0; i < 1024; i++) {
      splitter.write(chunk);
      most = Math.max(most, splitter.pending);
    }
    assert.deepEqual(lines, ['xxxxxxxxxx…'], 'reported before the line ends');
    assert.equal(most, 0);
    splitter.write(Buffer.from('tail\nnext\n'));
    splitter.end();
    assert.deepEqual(lines, ['xxxxxxxxxx…', 'next']);
  });

  it('keeps a line of exactly the cap whole', () => {
    assert.deepEqual(split(['0123456789\n', '01234567890\n']), ['0123456789', '0123456789…']);
  });
});

describe('compose output paths', () => {
  const relative = relativizeOutput(
    ['/srv/lucid/compose', '/opt/lucid/compose'],
    new Map([['/dev/fd/3', 'core/compose.yml'], ['/dev/fd/4', 'core/override.yml']]),
  );

  it('speaks of files relative to the projects folder, handed-over descriptors by their registered name', () => {
    assert.equal(
      relative("ERROR: The Compose file '/dev/fd/3' is invalid"),
      "ERROR: The Compose file 'core/compose.yml' is invalid",
    );
    assert.equal(relative('env file /opt/lucid/compose/core/x.env not found'), 'env file core/x.env not found');
    assert.equal(relative('in /srv/lucid/compose: no .env'), 'in .: no .env');
    assert.equal(relative('/dev/fd/4 and /dev/fd/9'), 'core/override.yml and /dev/fd/9');
  });

  it('leaves a sibling folder that merely starts like the root alone', () => {
    assert.equal(relative('/srv/lucid/compose-old/x.yml'), '/srv/lucid/compose-old/x.yml');
  });
});
