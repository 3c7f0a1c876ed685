import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, openSync, closeSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { composeCandidates, detectCompose } from '../../src/main/compose/detect.js';
import { MAX_LINE, runProcess, startProcess } from '../../src/main/compose/process.js';
import { hangingCompose, hangingPids, processesGone, processGroupGone, removeDir, tempDir } from '../support/compose.js';

function script(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('compose process runner', () => {
  let dir: string;

  before(() => {
    dir = tempDir('lucid-process');
  });

  after(() => removeDir(dir));

  it('reports stdout and stderr line by line, a last line without newline included', async () => {
    const bin = script(dir, 'talker', "echo one; echo two >&2; printf 'é€ three'; exit 3");
    const lines: string[] = [];
    const result = await runProcess({
      command: bin,
      args: [],
      env: {},
      timeoutMs: 30_000,
      onLine: (stream, line) => lines.push(`${stream}:${line}`),
    });
    assert.equal(result.exitCode, 3);
    assert.equal(result.timedOut, false);
    assert.deepEqual(lines.sort(), ['stderr:two', 'stdout:one', 'stdout:é€ three']);
  });

  it('never goes through a shell: metacharacters in arguments stay literal', async () => {
    const lines: string[] = [];
    await runProcess({
      command: '/bin/echo',
      args: ['a;touch /tmp/lucid-should-not-exist', '$(id)'],
      env: {},
      timeoutMs: 30_000,
      onLine: (_s, line) => lines.push(line),
    });
    assert.deepEqual(lines, ['a;touch /tmp/lucid-should-not-exist $(id)']);
  });

  it('kills the whole tree at the deadline: the group, even ignoring SIGTERM, and a descendant that left it with setsid', async () => {
    const { bin, pidFile } = hangingCompose(dir);
    const started = Date.now();
    const result = await runProcess({ command: bin, args: ['up'], env: { PATH: process.env['PATH'] ?? '' }, timeoutMs: 1000 });
    assert.equal(result.timedOut, true);
    assert.equal(result.stopped, false);
    assert.ok(Date.now() - started < 20_000, 'ends within the deadline plus the kill grace');
    const { leader, child, escaped } = await hangingPids(pidFile);
    assert.deepEqual(await processGroupGone(leader), [], 'nothing of the group survives');
    assert.deepEqual(await processesGone([leader, child, escaped]), [], 'nor the descendant in its own session');
  });

  it('stop() ends the tree the same way and says it was stopped, not timed out', async () => {
    const { bin, pidFile } = hangingCompose(dir);
    const running = startProcess({ command: bin, args: ['up'], env: { PATH: process.env['PATH'] ?? '' }, timeoutMs: 600_000 });
    const { leader, child, escaped } = await hangingPids(pidFile);
    running.stop();
    const result = await running.done;
    assert.deepEqual([result.stopped, result.timedOut], [true, false]);
    assert.deepEqual(await processesGone([leader, child, escaped]), []);
  });

  it('kills a live run when the process exits (process.exit, an Electron quit)', async () => {
    const { bin, pidFile } = hangingCompose(dir);
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/support/exit-with-compose.ts', bin, pidFile], {
      timeout: 60_000,
    });
    const { leader, child, escaped } = await hangingPids(pidFile);
    assert.deepEqual(await processesGone([leader, child, escaped]), [], 'no compose process outlives the manager');
  });

  it('reports a runaway line cut at the cap as soon as it gets there, without waiting for its end', async () => {
    // 20 MB without a newline, then silence: readline would hold all of it and report nothing.
    const bin = script(dir, 'runaway', "head -c 20000000 /dev/zero | tr '\\0' x; exec sleep 600");
    const lines: string[] = [];
    const running = startProcess({
      command: bin,
      args: [],
      env: { PATH: process.env['PATH'] ?? '' },
      timeoutMs: 120_000,
      onLine: (_stream, line) => {
        lines.push(line);
        running.stop();
      },
    });
    const result = await running.done;
    assert.equal(result.stopped, true, 'the line arrived while the program still ran');
    assert.equal(lines[0]?.length, MAX_LINE + 1);
    assert.match(lines[0] ?? '', /^x+…$/);
    assert.equal(lines.length, 1, 'the rest of the line was dropped, not reported as more lines');
  });

  it('hands open files over as fd 3, 4…: the child reads what was opened, whatever the paths became since', async () => {
    const first = join(dir, 'first.yml');
    const second = join(dir, 'second.yml');
    writeFileSync(first, 'first\n');
    writeFileSync(second, 'second\n');
    const fds = [openSync(first, 'r'), openSync(second, 'r')];
    writeFileSync(join(dir, 'swapped.yml'), 'swapped\n');
    renameSync(join(dir, 'swapped.yml'), first);
    const lines: string[] = [];
    try {
      await runProcess({ command: '/bin/cat', args: ['/dev/fd/3', '/dev/fd/4'], env: {}, timeoutMs: 30_000, fds, onLine: (_s, l) => lines.push(l) });
    } finally {
      fds.forEach((fd) => closeSync(fd));
    }
    assert.deepEqual(lines, ['first', 'second']);
  });

  it('reports a program that cannot start', async () => {
    const result = await runProcess({ command: '/nonexistent', args: [], env: {}, timeoutMs: 1000 });
    assert.equal(result.spawnError?.code, 'ENOENT');
  });
});

describe('compose detection', () => {
  let dir: string;

  before(() => {
    dir = tempDir('lucid-detect');
  });

  after(() => removeDir(dir));

  it('finds the distribution docker-compose (v1) when the v2 plugin is absent', async () => {
    const found = await detectCompose(composeCandidates(undefined), { PATH: process.env['PATH'] ?? '' });
    assert.equal(found.found, true);
    if (found.found) {
      assert.equal(found.cli.variant, 'v1');
      assert.equal(found.cli.label, 'docker-compose');
      assert.match(found.cli.version, /^1\.\d+\.\d+$/);
    }
  });

  it('takes COMPOSE_BIN and recognises a v2 by its version', async () => {
    const bin = script(dir, 'compose-v2', '[ "$1 $2" = "version --short" ] && echo v2.24.6');
    const found = await detectCompose(composeCandidates(bin), {});
    assert.deepEqual(found, { found: true, cli: { command: bin, prefix: [], label: bin, variant: 'v2', version: '2.24.6' } });
  });

  it('names every binary it tried when none answers', async () => {
    const broken = script(dir, 'broken-compose', 'echo nope; exit 1');
    assert.deepEqual(await detectCompose(composeCandidates('/nonexistent'), {}), { found: false, tried: ['/nonexistent'] });
    assert.deepEqual(await detectCompose(composeCandidates(broken), {}), { found: false, tried: [broken] });
  });
});
