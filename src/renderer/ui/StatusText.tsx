import { Component } from 'preact';
import type { ContainerSummary } from '../../shared/schemas/containers.js';
import { statusText } from '../state/status-text.js';

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
