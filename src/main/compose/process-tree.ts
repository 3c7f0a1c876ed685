import { readdirSync, readFileSync } from 'node:fs';

/** A process as /proc knows it; the start time tells a live process from a later one given the same pid. */
export interface ProcessRef {
  pid: number;
  startTime: string;
}

interface ProcStat {
  ppid: number;
  startTime: string;
}

/** Fields after the parenthesised command name: state, ppid, …, starttime (22nd field overall). */
function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[1]);
  const startTime = fields[19];
  return Number.isInteger(ppid) && startTime !== undefined ? { ppid, startTime } : undefined;
}

/**
 * Every live descendant of `root`, found by walking parent pids in /proc (Linux). A descendant
 * that called `setsid` has left compose's process group, so signalling the group misses it;
 * it is still a descendant until its parent dies, which is why this is read before anything is
 * killed. Elsewhere (no /proc) the answer is empty and the process group is all there is.
 */
export function descendantsOf(root: number): ProcessRef[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const children = new Map<number, ProcessRef[]>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = readStat(pid);
    if (stat === undefined) continue;
    const siblings = children.get(stat.ppid) ?? [];
    siblings.push({ pid, startTime: stat.startTime });
    children.set(stat.ppid, siblings);
  }
  const found: ProcessRef[] = [];
  const queue = [root];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of children.get(next) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

/** Signals the process only if its pid still names the same process (same start time). */
export function signalProcess(ref: ProcessRef, signal: NodeJS.Signals): void {
  if (readStat(ref.pid)?.startTime !== ref.startTime) return;
  try {
    process.kill(ref.pid, signal);
  } catch {
    // ESRCH: it ended between the check and the signal.
  }
}
