import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Established TCP connections (IPv4) that process `pid` holds to `port`: its socket inodes from
 * /proc/PID/fd matched against the kernel's table in /proc/PID/net/tcp. Counted from outside the
 * process, so it needs nothing of the code under test.
 */
export function establishedTo(pid: number, port: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match?.[1]) inodes.add(match[1]);
    } catch {
      // Closed meanwhile.
    }
  }
  const remotePort = port.toString(16).toUpperCase().padStart(4, '0');
  let count = 0;
  for (const line of readFileSync(`/proc/${pid}/net/tcp`, 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // local_address rem_address st … inode: state 01 is ESTABLISHED.
    const [, , remote, state] = fields;
    if (remote?.endsWith(`:${remotePort}`) && state === '01' && inodes.has(fields[9] ?? '')) count++;
  }
  return count;
}
