import type { LinkState } from './engine-connection.js';

/** The link state of one connection and its listeners; a repeated identical state is not news. */
export class LinkStates {
  private current: LinkState;
  private readonly listeners = new Set<(state: LinkState) => void>();

  constructor(initial: LinkState) {
    this.current = initial;
  }

  get(): LinkState {
    return this.current;
  }

  /** Returns whether the state changed (and listeners were told). */
  set(next: LinkState): boolean {
    const same =
      next.state === this.current.state &&
      (next.state !== 'down' || (this.current.state === 'down' && this.current.reason === next.reason));
    if (same) return false;
    this.current = next;
    for (const listener of [...this.listeners]) listener(next);
    return true;
  }

  on(listener: (state: LinkState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
