const TONE: Record<string, string> = {
  running: 'good',
  healthy: 'good',
  ready: 'good',
  completed: 'good',
  ok: 'good',
  up: 'good',
  started: 'good',
  'already-running': 'good',
  starting: 'busy',
  connecting: 'busy',
  restarting: 'busy',
  'waiting-healthy': 'busy',
  stopping: 'busy',
  removing: 'busy',
  partial: 'warn',
  paused: 'warn',
  created: 'idle',
  exited: 'idle',
  stopped: 'idle',
  'already-stopped': 'idle',
  absent: 'idle',
  skipped: 'warn',
  missing: 'warn',
  unhealthy: 'bad',
  dead: 'bad',
  failed: 'bad',
  down: 'bad',
  denied: 'bad',
};

/** A state in words with a colour cue; the word carries the meaning, the colour only helps. */
export function StateBadge({ state }: { state: string }) {
  return <span class={`badge ${TONE[state] ?? 'idle'}`}>{state}</span>;
}
