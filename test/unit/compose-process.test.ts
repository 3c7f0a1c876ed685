import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { composeCandidates, detectCompose } from '../../src/main/compose/detect.js';
import { runProcess } from '../../src/main/compose/process.js';
import { hangingCompose, processGroupGone, removeDir, tempDir } from '../support/compose.js';

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

  it('kills the whole process group at the deadline, even when it ignores SIGTERM', async () => {
    const { bin, pidFile } = hangingCompose(dir);
    const started = Date.now();
    const result = await runProcess({ command: bin, args: ['up'], env: {}, timeoutMs: 1000 });
    assert.equal(result.timedOut, true);
    assert.ok(Date.now() - started < 20_000, 'ends within the deadline plus the kill grace');
    const [shell, child] = readFileSync(pidFile, 'utf8').trim().split(' ').map(Number);
    assert.ok(shell && child);
    assert.deepEqual(await processGroupGone(shell), [], 'nothing of the group survives');
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
