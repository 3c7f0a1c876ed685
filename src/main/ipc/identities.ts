import type { Identity } from '../model/context.js';
import type { WebContentsLike } from './types.js';

/**
 * Who each window is. An identity lives as long as its webContents: it is dropped when the
 * window is destroyed, so a recycled id can never inherit another window's rights.
 */
export class WindowIdentities {
  private readonly byWindow = new WeakMap<WebContentsLike, Identity>();
  /** Windows already watched for 'destroyed', so signing in again does not stack listeners. */
  private readonly watched = new WeakSet<WebContentsLike>();

  set(webContents: WebContentsLike, identity: Identity): void {
    this.byWindow.set(webContents, identity);
    if (this.watched.has(webContents)) return;
    this.watched.add(webContents);
    webContents.once('destroyed', () => this.byWindow.delete(webContents));
  }

  /** A failed sign-in leaves the window with no identity rather than the previous one. */
  drop(webContents: WebContentsLike): void {
    this.byWindow.delete(webContents);
  }

  get(webContents: WebContentsLike): Identity | null {
    return this.byWindow.get(webContents) ?? null;
  }
}
