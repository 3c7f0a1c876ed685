/**
 * The slice of Electron's API this package calls, declared here so that `electron` stays out of
 * the install graph: it is an optional peer dependency the host app brings, and installing it
 * would download a browser binary. Each shape is a structural subset of Electron's own type
 * (the real `app`, `ipcMain`, `contextBridge` and `ipcRenderer` satisfy them), matching
 * `IpcMainLike` (src/main/ipc/types.ts) and `IpcRendererLike` (src/preload/api.ts). The emitted
 * declarations name none of them, so a host app keeps Electron's own types.
 */
declare module 'electron' {
  interface WebContents {
    readonly id: number;
    once(event: 'destroyed', listener: () => void): unknown;
    on(event: 'did-navigate' | 'render-process-gone', listener: () => void): unknown;
    send(channel: string, ...args: unknown[]): void;
    isDestroyed(): boolean;
  }

  interface IpcMainInvokeEvent {
    readonly sender: WebContents;
    readonly senderFrame: { readonly url: string } | null;
  }

  export const app: {
    /** Electron's per-user app data folder: the default place of the audit trail. */
    getPath(name: 'userData'): string;
  };

  export const ipcMain: {
    handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
    removeHandler(channel: string): void;
  };

  export const ipcRenderer: {
    invoke(channel: string, ...args: unknown[]): Promise<unknown>;
    on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  };

  export const contextBridge: {
    exposeInMainWorld(apiKey: string, api: unknown): void;
  };
}
