import { Component } from 'preact';
import { humanDuration } from '../../shared/human-duration.js';
import type { ContainerSummary } from '../../shared/schemas/containers.js';

/** How often uptimes are counted again: the text's resolution is seconds, then minutes. */
const TICK_MS = 5000;

/** One timer for every row: each running row re-renders itself on its tick, no other row does. */
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

function onTick(listener: () => void): () => void {
  listeners.add(listener);
  timer ??= setInterval(() => {
    for (const tick of listeners) tick();
  }, TICK_MS);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

/** Docker's status words, with the uptime counted here from `startedAt` rather than frozen at the last change. */
export function statusText(c: Pick<ContainerSummary, 'state' | 'status' | 'startedAt' | 'health'>, now: number): string {
  if (c.state !== 'running' || c.startedAt === null) return c.status;
  const health = c.health === 'none' ? '' : ` (${c.health === 'starting' ? 'health: starting' : c.health})`;
  return `Up ${humanDuration(Math.max(0, now - Date.parse(c.startedAt)))}${health}`;
}

export class StatusText extends Component<{ container: ContainerSummary }> {
  private stop: (() => void) | undefined;

  override componentDidMount(): void {
    this.stop = onTick(() => {
      if (this.props.container.state === 'running') this.forceUpdate();
    });
  }

  override componentWillUnmount(): void {
    this.stop?.();
  }

  override render({ container }: { container: ContainerSummary }) {
    return <>{statusText(container, Date.now())}</>;
  }
}
