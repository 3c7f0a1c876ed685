import { LucidError } from '../../shared/errors.js';
import type { IpcInvokeEventLike } from './types.js';

/** `file:` URLs have an opaque origin ("null"), so they are compared by scheme. */
export function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'file:') return 'file://';
    return parsed.origin === 'null' ? null : parsed.origin;
  } catch {
    return null;
  }
}

/**
 * Electron security checklist item 17: only frames loaded from the app's own origins may call in.
 * A null frame (navigated away, destroyed) is refused too.
 */
export function checkSender(event: IpcInvokeEventLike, allowedOrigins: ReadonlySet<string>): void {
  const url = event.senderFrame?.url;
  const origin = url === undefined ? null : originOf(url);
  if (origin === null || !allowedOrigins.has(origin)) {
    throw new LucidError('FORBIDDEN', 'IPC sender is not an allowed origin', { origin });
  }
}
