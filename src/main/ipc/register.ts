import { getOperation, operationNames } from '../../shared/contract/index.js';
import { LucidError } from '../../shared/errors.js';
import {
  AUTH_SET_TOKEN_CHANNEL,
  ipcChannel,
  STREAM_ACK_CHANNEL,
  STREAM_CANCEL_CHANNEL,
  type IpcEnvelope,
} from '../../shared/ipc.js';
import type { QueueLimits } from '../core/bounded-queue.js';
import type { CallName, CallMeta, OperationRunner } from '../core/manager.js';
import type { Identity } from '../model/context.js';
import { WindowIdentities } from './identities.js';
import { checkSender, originOf } from './sender.js';
import { IpcStreams } from './streams.js';
import type { IpcInvokeEventLike, IpcMainLike, WebContentsLike } from './types.js';

export interface RegisterIpcOptions {
  runner: OperationRunner;
  /** Origins whose frames may call in, e.g. `file://` for a packaged app or a dev server's origin. */
  allowedOrigins: string[];
  authenticate: (token: string) => Promise<Identity>;
  /** What each stream may hold for a window that falls behind (STREAM_MAX_QUEUED_BYTES). */
  streamQueue?: Partial<QueueLimits> | undefined;
}

export interface BindOptions {
  /**
   * The host vouches for the window, so its calls are not rate-limited (they are still audited).
   * Off by default: a compromised page in a trusted window could otherwise call without bound.
   */
  exemptFromRateLimit?: boolean;
}

export interface IpcRegistration {
  /** Binds a fixed identity to a window the host app created and trusts (the admin GUI, say). */
  bindIdentity(webContents: WebContentsLike, identity: Omit<Identity, 'rateLimitExempt'>, options?: BindOptions): void;
  /**
   * Removes every handler this registration installed and cancels the open streams; resolves once
   * each stream's call has returned (its Docker stream closed). Never rejects.
   */
  close(): Promise<void>;
  /** Event streams currently open (for tests and diagnostics). */
  readonly openStreams: number;
  /** Events held in main for windows that fell behind (bounded per stream). */
  readonly queuedEvents: number;
}

let nextRequest = 0;

function envelopeOf(err: unknown): IpcEnvelope<never> {
  const error = err instanceof LucidError ? err : new LucidError('INTERNAL', 'internal error');
  return { ok: false, error: error.toBody() };
}

/** The IPC transport, generated from the contract table: one `ipcMain.handle` per operation. */
export function registerIpc(ipcMain: IpcMainLike, options: RegisterIpcOptions): IpcRegistration {
  const allowed = new Set(options.allowedOrigins.map((o) => originOf(o) ?? o));
  const identities = new WindowIdentities();
  const streams = new IpcStreams(options.streamQueue);
  const channels: string[] = [];

  const metaOf = (event: IpcInvokeEventLike): Omit<CallMeta, 'credentials'> => ({
    client: `window-${event.sender.id}`,
    transport: 'ipc',
    requestId: `ipc-${event.sender.id}-${++nextRequest}`,
  });

  /**
   * A sender from a foreign origin is refused before anything else, but through the runner, so
   * that the refusal is rate-limited and audited (with the window and the origin) like any other.
   */
  const handle = (
    channel: string,
    name: CallName,
    run: (event: IpcInvokeEventLike, arg: unknown, extra: unknown) => Promise<unknown>,
  ) => {
    ipcMain.handle(channel, async (event, arg, extra): Promise<IpcEnvelope<unknown>> => {
      try {
        try {
          checkSender(event, allowed);
        } catch (err) {
          const origin = event.senderFrame ? originOf(event.senderFrame.url) : null;
          return await options.runner.refuse(name, { ...metaOf(event), origin }, err as LucidError);
        }
        return { ok: true, data: await run(event, arg, extra) };
      } catch (err) {
        return envelopeOf(err);
      }
    });
    channels.push(channel);
  };

  for (const name of operationNames) {
    const op = getOperation(name);
    handle(ipcChannel(name), name, async (event, input, extra) => {
      const request = op.events ? IpcStreams.requested(extra) : null;
      const stream = request ? streams.begin(event.sender, request.streamId) : null;
      try {
        return await options.runner.run(name, input, {
          ...metaOf(event),
          credentials: async () => identities.get(event.sender),
          ...(stream ? { signal: stream.signal, onEvent: stream.emit, onReady: stream.ready, flow: stream.flow } : {}),
        });
      } finally {
        stream?.done();
      }
    });
  }

  // Sign-in attempts pass the runner too: limited per window (per subject once known) and audited.
  handle(AUTH_SET_TOKEN_CHANNEL, 'auth.setToken', async (event, token) => {
    identities.drop(event.sender);
    const credentials = async () => {
      if (typeof token !== 'string' || token.length === 0 || token.length > 8192) {
        throw new LucidError('VALIDATION_FAILED', 'token must be a non-empty string');
      }
      return options.authenticate(token);
    };
    return options.runner.runTransportCall('auth.setToken', { ...metaOf(event), credentials }, async (identity) => {
      identities.set(event.sender, identity);
      return { sub: identity.sub, role: identity.role, expiresAt: identity.expiresAt ?? null };
    });
  });

  handle(STREAM_CANCEL_CHANNEL, 'stream.cancel', async (event, streamId) => ({
    cancelled: typeof streamId === 'string' && streams.cancel(event.sender, streamId),
  }));

  handle(STREAM_ACK_CHANNEL, 'stream.ack', async (event, streamId, count) => ({
    acknowledged:
      typeof streamId === 'string' &&
      Number.isSafeInteger(count) &&
      (count as number) > 0 &&
      streams.ack(event.sender, streamId, count as number),
  }));

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      for (const channel of channels) ipcMain.removeHandler(channel);
      await streams.close();
    })();
    return closing;
  };

  return {
    bindIdentity: (webContents, identity, bind = {}) =>
      identities.set(webContents, { ...identity, rateLimitExempt: bind.exemptFromRateLimit === true }),
    close,
    get openStreams() {
      return streams.size;
    },
    get queuedEvents() {
      return streams.queued;
    },
  };
}
