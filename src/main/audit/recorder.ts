import { getOperation } from '../../shared/contract/index.js';
import type { ErrorCode } from '../../shared/errors.js';
import type { CallHooks, SettledCall } from '../core/manager.js';
import type { AuditTrail } from './trail.js';

/** Refusals aimed at the caller, as opposed to failures of the operation itself. */
const DENIALS: ReadonlySet<ErrorCode> = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED', 'SELF_PROTECTED']);

/** Decides what the trail keeps: every control operation, whatever its outcome, and every refusal. */
export class AuditRecorder implements CallHooks {
  constructor(private readonly trail: AuditTrail) {}

  settled(call: SettledCall): void {
    const code = call.error?.code ?? null;
    const denied = code !== null && DENIALS.has(code);
    if (getOperation(call.name).kind !== 'control' && !denied) return;
    this.trail.record({
      time: new Date().toISOString(),
      sub: call.identity?.sub ?? null,
      role: call.identity?.role ?? null,
      transport: call.meta.transport,
      operation: call.name,
      target: call.target ?? null,
      result: code === null ? 'ok' : denied ? 'denied' : 'failed',
      code,
      durationMs: Math.round(call.durationMs * 10) / 10,
      client: call.meta.client,
      requestId: call.meta.requestId,
    });
  }
}
