import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuditRecorder } from '../../src/main/audit/recorder.js';
import { describeCall, type CallName, type SettledCall } from '../../src/main/core/manager.js';
import { LucidError, type ErrorCode } from '../../src/shared/errors.js';
import type { AuditEntry } from '../../src/shared/schemas/audit.js';

const START = Date.UTC(2030, 0, 1);

function setup() {
  const lines: AuditEntry[] = [];
  let now = START;
  const recorder = new AuditRecorder({ record: (entry) => lines.push(entry), recordDurable: async (entry) => void lines.push(entry) }, () => now);
  return {
    lines,
    recorder,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

let nextRequest = 0;

function call(options: {
  name?: CallName;
  code?: ErrorCode;
  client?: string;
  sub?: string;
  retryAfterSeconds?: number;
  failures?: number;
}): SettledCall {
  const name = options.name ?? 'containers.list';
  const error =
    options.code === undefined
      ? undefined
      : options.code === 'RATE_LIMITED'
        ? new LucidError('RATE_LIMITED', 'slow down', {
            policy: describeCall(name).kind,
            limit: 3,
            windowSeconds: 60,
            retryAfterSeconds: options.retryAfterSeconds ?? 40,
          })
        : new LucidError(options.code, 'refused');
  return {
    name,
    op: describeCall(name),
    meta: {
      credentials: async () => null,
      client: options.client ?? '192.0.2.1',
      transport: 'rest',
      requestId: `req-${++nextRequest}`,
    },
    identity: options.sub ? { sub: options.sub, role: 'user' } : null,
    target: undefined,
    host: undefined,
    error,
    failures: options.failures ?? 0,
    durationMs: 1,
    interrupted: false,
  };
}

describe('audit recorder', () => {
  it('writes one RATE_LIMITED line per caller and window, then one line counting the rest when the window ends', () => {
    const { lines, recorder, advance } = setup();
    for (let i = 0; i < 3; i++) recorder.settled(call({ code: 'UNAUTHENTICATED' }));
    const first = call({ code: 'RATE_LIMITED' });
    recorder.settled(first);
    for (let i = 0; i < 50; i++) recorder.settled(call({ code: 'RATE_LIMITED' }));
    recorder.settled(call({ name: 'containers.stop', code: 'RATE_LIMITED' }));
    recorder.settled(call({ code: 'RATE_LIMITED', client: '198.51.100.9' }));
    assert.deepEqual(
      lines.map((l) => [l.code, l.result, l.client]),
      [
        ['UNAUTHENTICATED', 'denied', '192.0.2.1'],
        ['UNAUTHENTICATED', 'denied', '192.0.2.1'],
        ['UNAUTHENTICATED', 'denied', '192.0.2.1'],
        ['RATE_LIMITED', 'denied', '192.0.2.1'],
        ['RATE_LIMITED', 'denied', '192.0.2.1'],
        ['RATE_LIMITED', 'denied', '198.51.100.9'],
      ],
      'the control budget is a window of its own; another client too',
    );
    recorder.flush();
    assert.equal(lines.length, 6, 'nothing is summarised before the window ends');
    advance(40_000);
    recorder.flush();
    const summaries = lines.slice(6);
    assert.deepEqual(
      summaries.map((l) => [l.result, l.code, l.operation, l.suppressed, l.client, l.requestId]),
      [['suppressed', 'RATE_LIMITED', 'containers.list', 50, '192.0.2.1', first.meta.requestId]],
    );
    recorder.flush();
    assert.equal(lines.length, 7, 'a summary is written once');
    recorder.close();
  });

  it('summarises an ended window when the caller is limited again, and every open window on close', () => {
    const { lines, recorder, advance } = setup();
    recorder.settled(call({ code: 'RATE_LIMITED', sub: 'mallory', retryAfterSeconds: 10 }));
    recorder.settled(call({ code: 'RATE_LIMITED', sub: 'mallory' }));
    recorder.settled(call({ name: 'audit.list', code: 'RATE_LIMITED', sub: 'mallory' }));
    advance(10_000);
    recorder.settled(call({ code: 'RATE_LIMITED', sub: 'mallory', retryAfterSeconds: 60 }));
    recorder.settled(call({ code: 'RATE_LIMITED', sub: 'mallory' }));
    assert.deepEqual(
      lines.map((l) => [l.result, l.operation, l.suppressed ?? 0, l.sub]),
      [
        ['denied', 'containers.list', 0, 'mallory'],
        ['suppressed', '*', 2, 'mallory'],
        ['denied', 'containers.list', 0, 'mallory'],
      ],
    );
    recorder.close();
    assert.deepEqual(lines.slice(3).map((l) => [l.result, l.suppressed]), [['suppressed', 1]]);
  });

  it('writes the good sign-ins of a subject from one client once a minute, then one line counting the repeats', () => {
    const { lines, recorder, advance } = setup();
    const first = call({ name: 'auth.setToken', sub: 'gui' });
    recorder.settled(first);
    for (let i = 0; i < 500; i++) recorder.settled(call({ name: 'auth.setToken', sub: 'gui' }));
    recorder.settled(call({ name: 'auth.setToken', sub: 'other' }));
    recorder.settled(call({ name: 'auth.setToken', sub: 'gui', client: '198.51.100.9' }));
    recorder.settled(call({ name: 'auth.setToken', sub: 'gui', code: 'UNAUTHENTICATED' }));
    assert.deepEqual(
      lines.map((l) => [l.operation, l.result, l.sub, l.client]),
      [
        ['auth.setToken', 'ok', 'gui', '192.0.2.1'],
        ['auth.setToken', 'ok', 'other', '192.0.2.1'],
        ['auth.setToken', 'ok', 'gui', '198.51.100.9'],
        ['auth.setToken', 'denied', 'gui', '192.0.2.1'],
      ],
      'another subject or client has a line of its own; a refusal is always written',
    );
    advance(60_000);
    recorder.flush();
    assert.deepEqual(
      lines.slice(4).map((l) => [l.result, l.code, l.operation, l.suppressed, l.sub, l.requestId]),
      [['suppressed', null, 'auth.setToken', 500, 'gui', first.meta.requestId]],
    );
    recorder.settled(call({ name: 'auth.setToken', sub: 'gui' }));
    assert.equal(lines.at(-1)?.result, 'ok', 'a new minute writes a new line');
    recorder.close();
  });

  it('records a control operation that answered with failed parts as partial, with their count', () => {
    const { lines, recorder } = setup();
    recorder.settled(call({ name: 'services.stop', failures: 2, sub: 'ops' }));
    recorder.settled(call({ name: 'services.stop', sub: 'ops' }));
    recorder.settled(call({ name: 'containers.list', failures: 1, sub: 'ops' }));
    assert.deepEqual(
      lines.map((l) => [l.result, l.failures]),
      [
        ['partial', 2],
        ['ok', undefined],
      ],
    );
    recorder.close();
  });
});
