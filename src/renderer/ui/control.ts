import type { ContainerSummary } from '../../shared/schemas/containers.js';
import { errorOf } from '../client/errors.js';
import type { DashboardContext } from './context.js';

export type ControlAction = 'start' | 'stop' | 'restart';

export const ACTION_LABEL: Record<ControlAction, string> = { start: 'Start', stop: 'Stop', restart: 'Restart' };

/**
 * Runs one control call and shows a refusal with its code and message. The row changes when the
 * manager's events say so, not when the call returns: the page shows the engine's state, never a guess.
 */
export async function runControl(
  ctx: DashboardContext,
  action: ControlAction,
  target: Pick<ContainerSummary, 'id' | 'name'> & { host?: string | undefined },
): Promise<boolean> {
  try {
    await ctx.client.containers[action]({ id: target.id, ...(target.host ? { host: target.host } : {}) });
    return true;
  } catch (err) {
    const { code, message } = errorOf(err);
    ctx.notify({ kind: 'error', title: `${ACTION_LABEL[action]} ${target.name}`, code, message });
    return false;
  }
}
