import type { z } from 'zod';
import type { OperationInput, OperationName, OperationOutput, Operations } from '../../shared/contract/index.js';

/**
 * The page's one client interface, derived from the contract as the preload's is: the preload
 * (`window.lucidDocker`) and the REST + SSE client both have this shape, and a test holds the
 * preload's declared type to it. Errors from either reject with an `Error` whose message starts
 * with the code (`[FORBIDDEN] …`): contextBridge carries nothing but the message.
 */
type Namespace<N extends string> = N extends `${infer G}.${string}` ? G : never;
export type EventOf<N extends OperationName> = Operations[N] extends { events: infer E extends z.ZodType } ? z.output<E> : never;
type InputArg<N extends OperationName> = {} extends OperationInput<N> ? [input?: OperationInput<N>] : [input: OperationInput<N>];

export interface SubscriptionCallbacks {
  /** Ended: null when it ran its course or was unsubscribed, else why it failed. */
  onEnd?: (error: Error | null) => void;
  /** The stream is open: every event from now on arrives. Load lists here. */
  onReady?: () => void;
  /** Events lost because the page fell behind. */
  onDropped?: (count: number) => void;
}

export interface ProgressOptions<E> {
  onEvent?: (event: E) => void;
  onDropped?: (count: number) => void;
}

type Method<N extends OperationName> = Operations[N] extends { subscription: true }
  ? (
      input: OperationInput<N>,
      onEvent: (event: EventOf<N>) => void,
      callbacks?: ((error: Error | null) => void) | SubscriptionCallbacks,
    ) => () => void
  : Operations[N] extends { events: z.ZodType }
    ? (input: OperationInput<N>, options?: ProgressOptions<EventOf<N>>) => Promise<OperationOutput<N>>
    : (...args: InputArg<N>) => Promise<OperationOutput<N>>;

/** What `auth.setToken` answers, over IPC as over REST; `session.get` tells the rest. */
export interface SignedIn {
  sub: string;
  role: string;
  /** Seconds since the epoch; null: never. */
  expiresAt: number | null;
}

export type ClientApi = {
  [G in Namespace<OperationName>]: {
    [N in OperationName as N extends `${G}.${infer F}` ? F : never]: Method<N>;
  };
} & {
  auth: { setToken(token: string): Promise<SignedIn> };
};

export type { OperationInput, OperationName, OperationOutput };
