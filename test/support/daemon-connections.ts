import { execFile } from 'node:child_process';
import { readdir, readlink } from 'node:fs/promises';
import http from 'node:http';
import { promisify } from 'node:util';
import { sleep } from './sleep.js';

const run = promisify(execFile);

/** Inodes of the sockets this process holds open (`/proc/self/fd/N` → `socket:[inode]`). */
async function ownSocketInodes(): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match?.[1]) inodes.add(match[1]);
  }
  return inodes;
}

/**
 * Connections this process has open to the Docker daemon listening on `socketPath`, counted by the
 * kernel, not by the client library: `ss -x` lists the daemon's accepted sockets (local address =
 * the socket path) with their peer's inode, and a peer inode among this process's fds is ours.
 *
 * Idle keep-alive sockets in Node's global agent would blur the count (they linger for seconds and
 * belong to no stream), so they are closed first; a socket that carries a request or a stream is
 * never idle and always counted.
 */
export async function daemonConnections(socketPath = '/var/run/docker.sock'): Promise<number> {
  closeIdleSockets();
  const [{ stdout }, mine] = await Promise.all([run('ss', ['-x', '-n', '-H']), ownSocketInodes()]);
  let count = 0;
  for (const line of stdout.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // Netid State Recv-Q Send-Q Local-Address Local-Inode Peer-Address Peer-Inode
    if (fields.length < 8 || fields[4] !== socketPath) continue;
    if (mine.has(fields[7] ?? '')) count++;
  }
  return count;
}

function closeIdleSockets(): void {
  const free = (http.globalAgent as http.Agent & { freeSockets: Record<string, import('node:net').Socket[] | undefined> }).freeSockets;
  for (const sockets of Object.values(free)) for (const socket of sockets ?? []) socket.destroy();
}

/**
 * A baseline: the count once it has held still for half a second (five equal readings), so that
 * a short request (a snapshot refresh, say) or an earlier test's stream still closing does not
 * skew it. Gives up waiting after ten seconds and returns the last reading.
 */
export async function quietConnections(socketPath?: string): Promise<number> {
  const readings: number[] = [];
  const deadline = Date.now() + 10_000;
  for (;;) {
    readings.push(await daemonConnections(socketPath));
    const last = readings.slice(-5);
    if ((last.length === 5 && last.every((n) => n === last[0])) || Date.now() > deadline) return readings.at(-1) ?? 0;
    await sleep(100);
  }
}

/** Polls until the count satisfies `ok` (connections close asynchronously), returning the last count. */
export async function settleConnections(ok: (count: number) => boolean, ms = 10_000, socketPath?: string): Promise<number> {
  const deadline = Date.now() + ms;
  let count = await daemonConnections(socketPath);
  while (!ok(count) && Date.now() < deadline) {
    await sleep(100);
    count = await daemonConnections(socketPath);
  }
  return count;
}
