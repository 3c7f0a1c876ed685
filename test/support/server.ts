import type { TestContext } from 'node:test';
import { mintToken } from '../../src/main/auth/tokens.js';
import { loadConfig } from '../../src/main/config/env.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/main/server.js';
import { createLogger } from '../../src/main/system/logging.js';
import type { Role } from '../../src/shared/permissions.js';
import { closeWithTest, envOf, suiteFixture, type EnvSource } from './fixture.js';
import { tempAuditPath } from './temp.js';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256!';

/**
 * Tests call far more often than a person: limits are off unless a test sets them, and each
 * manager gets its own audit file.
 */
export const TEST_DEFAULTS = (): Record<string, string> => ({
  RATE_LIMIT_PER_MINUTE: '0',
  RATE_LIMIT_CONTROL_PER_MINUTE: '0',
  AUDIT_LOG_PATH: tempAuditPath(),
});

export interface TestServer extends RunningServer {
  tokenFor(role: Role, sub?: string): Promise<string>;
  call(method: string, path: string, options?: CallOptions): Promise<ApiResponse>;
}

export interface CallOptions {
  role?: Role | null;
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
}

/**
 * A real server on an ephemeral loopback port, against the real engine, for the tests of the
 * enclosing describe block (or file): started before them, closed after them even when one failed.
 */
export function useTestServer(env: EnvSource = {}): TestServer {
  return suiteFixture('test server', () => startTestServer(envOf(env)));
}

/**
 * A real server on an ephemeral loopback port, against the real engine. Given the test's context
 * `t`, it is closed when that test ends, pass or fail; without, the caller closes it.
 */
export async function startTestServer(env: Record<string, string> = {}, t?: TestContext, options: ServerOptions = {}): Promise<TestServer> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    JWT_SECRET_KEY: TEST_SECRET,
    LOG_LEVEL: 'error',
    ...TEST_DEFAULTS(),
    ...env,
  });
  const running = await startServer(config, createLogger(config.LOG_LEVEL), options);
  const tokenFor = (role: Role, sub = `test-${role}`) =>
    mintToken({ secret: TEST_SECRET, sub, role, ttlSeconds: 600, audience: config.JWT_AUDIENCE, issuer: config.JWT_ISSUER });
  const call = async (method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> => {
    const headers: Record<string, string> = { ...options.headers };
    const role = options.role === undefined ? 'admin' : options.role;
    const token = options.token ?? (role ? await tokenFor(role) : undefined);
    if (token) headers['authorization'] = `Bearer ${token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(`${running.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON (e.g. metrics text): hand back the text.
    }
    return { status: res.status, headers: res.headers, body: parsed };
  };
  return closeWithTest(t, { ...running, tokenFor, call });
}
