/**
 * The slice of Electron's main-process IPC the adapter uses. Real `ipcMain` and `WebContents`
 * objects satisfy these shapes, and so does the in-process stand-in used by the tests.
 */
export interface WebContentsLike {
  readonly id: number;
  once(event: 'destroyed', listener: () => void): unknown;
  /** A main-frame document navigation (a reload included) or a crashed renderer: the page is gone. */
  on(event: 'did-navigate' | 'render-process-gone', listener: () => void): unknown;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

export interface IpcInvokeEventLike {
  readonly sender: WebContentsLike;
  /** Null when the frame navigated away or was destroyed before the message was handled. */
  readonly senderFrame: { readonly url: string } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}
