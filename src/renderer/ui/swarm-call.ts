import { errorOf } from '../client/errors.js';
import type { DashboardContext } from './context.js';

/**
 * Runs one swarm call named as its button is ("Drain worker1") and shows a refusal with its code
 * and message. The rows change when the swarm's events say so, not when the call returns: the
 * page shows what the swarm says, never a guess.
 */
export async function swarmCall(ctx: DashboardContext, title: string, call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (err) {
    const { code, message } = errorOf(err);
    ctx.notify({ kind: 'error', title, code, message });
    return false;
  }
}
