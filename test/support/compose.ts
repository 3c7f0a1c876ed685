import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { docker, RUN_ID, TEST_IMAGE, TEST_LABEL } from './engine.js';
import { sleep } from './sleep.js';

const run = promisify(execFile);

/** Project names unique to this run (and to a suite), so runs on the shared engine never meet. */
export function projectName(suffix: string): string {
  return `lt${RUN_ID.slice(0, 8)}-${suffix}`;
}

export interface ServiceSpec {
  command?: string[];
  /** A healthcheck that turns healthy once the container has run for `healthyAfterSeconds`. */
  healthyAfterSeconds?: number;
  /** SIGKILL unless given: SIGTERM makes `docker stop` wait its whole timeout (sleep as PID 1 ignores it). */
  stopSignal?: string;
}

/** A compose file of busybox services without networking, each labelled for this run's cleanup. */
export function composeFile(services: Record<string, ServiceSpec>): string {
  const lines = ['version: "2.4"', 'services:'];
  for (const [name, spec] of Object.entries(services)) {
    const command = spec.healthyAfterSeconds !== undefined
      ? ['sh', '-c', `sleep ${spec.healthyAfterSeconds}; touch /tmp/ready; exec sleep 3600`]
      : (spec.command ?? ['sleep', '3600']);
    lines.push(
      `  ${name}:`,
      `    image: ${TEST_IMAGE}`,
      `    command: ${JSON.stringify(command)}`,
      '    network_mode: none',
      `    stop_signal: ${spec.stopSignal ?? 'SIGKILL'}`,
      '    labels:',
      `      ${TEST_LABEL}: "${RUN_ID}"`,
    );
    if (spec.healthyAfterSeconds !== undefined) {
      lines.push(
        '    healthcheck:',
        '      test: ["CMD-SHELL", "test -f /tmp/ready"]',
        '      interval: 500ms',
        '      timeout: 1s',
        '      retries: 20',
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

export function writeFile(path: string, text: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** A services config declaring compose projects by group. */
export function servicesConfig(dir: string, projects: { group: string; phase: number; project: string; files: string[] }[]): string {
  const lines = ['groups:'];
  for (const p of projects) {
    lines.push(
      `  - name: ${p.group}`,
      `    phase: ${p.phase}`,
      '    compose:',
      `      project: ${p.project}`,
      `      files: ${JSON.stringify(p.files)}`,
    );
  }
  return writeFile(join(dir, 'services.yml'), `${lines.join('\n')}\n`);
}

/**
 * A COMPOSE_BIN stand-in: answers `version` like v1, and otherwise ignores SIGTERM (as a stuck
 * compose might), starts a child in its process group and one that left it with `setsid`, records
 * the three pids (itself, child, escaped) once both run, and hangs.
 */
export function hangingCompose(dir: string): { bin: string; pidFile: string } {
  const bin = join(dir, 'hanging-compose');
  const pidFile = join(dir, 'pids');
  rmSync(pidFile, { force: true });
  writeFileSync(
    bin,
    [
      '#!/bin/sh',
      'if [ "$1" = version ]; then echo 1.29.2; exit 0; fi',
      "trap '' TERM",
      'echo "hanging compose started"',
      'sleep 600 &',
      'child=$!',
      'setsid sleep 600 &',
      `echo "$$ $child $!" > '${pidFile}.tmp'`,
      `mv '${pidFile}.tmp' '${pidFile}'`,
      'wait',
      '',
    ].join('\n'),
  );
  chmodSync(bin, 0o755);
  return { bin, pidFile };
}

/** The pids the hanging stand-in recorded, once it has: leader (= its process group), child, escaped. */
export async function hangingPids(pidFile: string, withinMs = 30_000): Promise<{ leader: number; child: number; escaped: number }> {
  const deadline = Date.now() + withinMs;
  while (!existsSync(pidFile)) {
    if (Date.now() > deadline) throw new Error('the hanging compose never started');
    await sleep(50);
  }
  const [leader, child, escaped] = readFileSync(pidFile, 'utf8').trim().split(' ').map(Number);
  assert.ok(leader && child && escaped, 'the stand-in recorded its pids');
  return { leader, child, escaped };
}

function isLive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Waits until none of the processes is alive; returns those still alive at the end. */
export async function processesGone(pids: number[], withinMs = 10_000): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  let live = pids.filter(isLive);
  while (live.length > 0 && Date.now() < deadline) {
    await sleep(50);
    live = pids.filter(isLive);
  }
  return live;
}

/** Live (not zombie) processes whose process group is `pgid`, read from /proc. */
export function liveProcessesInGroup(pgid: number): number[] {
  const live: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the parenthesised command: state, ppid, pgrp, …
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') live.push(Number(entry));
  }
  return live;
}

/**
 * Waits until no live process is left in the group. A killed process closes its pipes before the
 * kernel marks it dead, so right after the runner returns one can still be on its way out.
 */
export async function processGroupGone(pgid: number, withinMs = 10_000): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  let live = liveProcessesInGroup(pgid);
  while (live.length > 0 && Date.now() < deadline) {
    await sleep(50);
    live = liveProcessesInGroup(pgid);
  }
  return live;
}

/** Takes a project down with the real CLI, whatever the test did; for after() hooks. */
export async function composeDown(project: string, files: string[]): Promise<void> {
  await run('docker-compose', ['-p', project, ...files.flatMap((f) => ['-f', f]), 'down', '--timeout', '0'], {
    timeout: 60_000,
  }).catch(() => undefined);
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Brings a project up with the real CLI, to arrange a test's starting state. */
export async function composeUp(project: string, files: string[]): Promise<void> {
  await run('docker-compose', ['-p', project, ...files.flatMap((f) => ['-f', f]), 'up', '-d'], { timeout: 60_000 });
}

/** How many of the project's containers run, as the engine says. */
export async function runningInProject(project: string): Promise<number> {
  const list = await docker.listContainers({ filters: { label: [`com.docker.compose.project=${project}`] } });
  return list.length;
}
