import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createTokenVerifier } from '../../src/main/auth/tokens.js';
import { CliError, mintFromCli } from '../../src/main/cli/token.js';
import { tempDir } from '../support/temp.js';

const KEY = 'cli-test-secret-that-is-long-enough-for-hs256';
const DAY = 86400;
const ROOT = new URL('../..', import.meta.url).pathname;

/** The environment of a clean shell plus `env`: no JWT variable leaks in from the test runner. */
function run(command: string, args: string[], env: Record<string, string> = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('JWT_') && k !== 'LUCID_ENV'));
  const result = spawnSync(command, args, { cwd: ROOT, env: { ...base, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}
const cli = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['--import', 'tsx', 'src/main/cli/token.ts', ...args], env);

/** The CLI's logic in-process: the token, or the exit code and message it would end with. */
async function mint(args: string[], env: Record<string, string> = {}) {
  try {
    return { status: 0, ...(await mintFromCli(args, env)) };
  } catch (err) {
    assert.ok(err instanceof CliError, String(err));
    return { status: err.exitCode, message: err.message };
  }
}

describe('npm run token', () => {
  it('mints a token the manager accepts, with the asked role, subject and lifetime', async () => {
    const result = run('npm', ['run', '--silent', 'token', '--', '--role', 'developer', '--sub', 'alice', '--ttl', '1h'], {
      JWT_SECRET_KEY: KEY,
      JWT_ISSUER: 'lucid-ops',
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'only the token on stdout');
    assert.match(result.stderr, /developer token for alice/);
    const verifier = await createTokenVerifier({ secret: KEY, audience: 'gui-docker-manager', issuer: 'lucid-ops', maxTtlSeconds: DAY });
    const identity = await verifier.verify(result.stdout);
    assert.equal(identity.sub, 'alice');
    assert.equal(identity.role, 'developer');
    const ttl = (identity.expiresAt ?? 0) - Date.now() / 1000;
    assert.ok(ttl > 3500 && ttl <= 3600, `expires in ${ttl} s`);
  });

  it('defaults to one hour and accepts seconds, minutes and days (up to JWT_MAX_TTL_SECONDS)', async () => {
    const verifier = await createTokenVerifier({ secret: KEY, audience: 'gui-docker-manager', maxTtlSeconds: 30 * DAY });
    const env = { JWT_SECRET_KEY: KEY, JWT_MAX_TTL_SECONDS: String(30 * DAY) };
    for (const [ttl, seconds] of [[undefined, 3600], ['90', 90], ['15m', 900], ['7d', 604800]] as const) {
      const result = await mint(['--role', 'user', '--sub', 'bob', ...(ttl ? ['--ttl', ttl] : [])], env);
      assert.ok('token' in result, JSON.stringify(result));
      const left = ((await verifier.verify(result.token)).expiresAt ?? 0) - Date.now() / 1000;
      assert.ok(left > seconds - 60 && left <= seconds, `${ttl}: ${left}`);
    }
  });

  it('refuses bad arguments with exit code 2 and the usage', async () => {
    const cases: [string[], RegExp][] = [
      [['--sub', 'alice'], /--role must be one of user, developer, admin/],
      [['--role', 'root', '--sub', 'alice'], /--role must be one of/],
      [['--role', 'user'], /--sub is required/],
      [['--role', 'user', '--sub', 'a\u0007b'], /control characters/],
      [['--role', 'user', '--sub', 'a', '--ttl', '1w'], /--ttl must be like/],
      [['--role', 'user', '--sub', 'a', '--ttl', '31d'], /at most 30d/],
      [['--role', 'user', '--sub', 'a', '--ttl', '0'], /at least 1 s/],
      [['--role', 'user', '--sub', 'a', '--admin'], /Unknown option '--admin'/],
      [['--role', 'user', '--sub', 'a', 'extra'], /positional/],
    ];
    for (const [args, message] of cases) {
      const result = await mint(args, { JWT_SECRET_KEY: KEY });
      assert.equal(result.status, 2, args.join(' '));
      assert.match(result.message ?? '', message, args.join(' '));
      assert.match(result.message ?? '', /usage: npm run token/);
    }
  });

  it('keeps to JWT_MAX_TTL_SECONDS (one day unless set), as the manager would refuse a longer token', async () => {
    const refused = await mint(['--role', 'user', '--sub', 'bob', '--ttl', '2d'], { JWT_SECRET_KEY: KEY });
    assert.equal(refused.status, 2);
    assert.match(refused.message ?? '', /--ttl must be at most 1d \(JWT_MAX_TTL_SECONDS=86400\)/);
    assert.equal((await mint(['--role', 'user', '--sub', 'bob', '--ttl', '1d'], { JWT_SECRET_KEY: KEY })).status, 0);
    const raised = await mint(['--role', 'user', '--sub', 'bob', '--ttl', '2d'], { JWT_SECRET_KEY: KEY, JWT_MAX_TTL_SECONDS: String(2 * DAY) });
    assert.equal(raised.status, 0, JSON.stringify(raised));
    const tight = await mint(['--role', 'user', '--sub', 'bob', '--ttl', '2h'], { JWT_SECRET_KEY: KEY, JWT_MAX_TTL_SECONDS: '5400' });
    assert.match(tight.message ?? '', /at most 90m/);
  });

  it('mints with the key in a private --key-file, and refuses a file others can read', async () => {
    const dir = tempDir();
    const file = join(dir, 'key');
    writeFileSync(file, `${KEY}\n`, { mode: 0o600 });
    const result = await mint(['--role', 'admin', '--sub', 'ops', '--key-file', file]);
    assert.ok('token' in result, JSON.stringify(result));
    const verifier = await createTokenVerifier({ secret: KEY, audience: 'gui-docker-manager', maxTtlSeconds: DAY });
    assert.equal((await verifier.verify(result.token)).sub, 'ops');
    chmodSync(file, 0o644);
    const open = await mint(['--role', 'admin', '--sub', 'ops', '--key-file', file]);
    assert.equal(open.status, 1);
    assert.match(open.message ?? '', /--key-file: .*readable or writable by others/);
    const short = join(dir, 'short');
    writeFileSync(short, 'short-key', { mode: 0o600 });
    assert.match((await mint(['--role', 'admin', '--sub', 'ops', '--key-file', short])).message ?? '', /shorter than 32 bytes/);
    assert.match((await mint(['--role', 'admin', '--sub', 'ops', '--key-file', join(dir, 'missing')])).message ?? '', /--key-file: /);
  });

  it('refuses, naming the variable, when the key is missing, too short or not a shared secret', async () => {
    const pem = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----';
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /JWT_SECRET_KEY is not set/],
      [{ JWT_SECRET_KEY: 'short' }, /JWT_SECRET_KEY: must be at least 32 bytes/],
      [{ JWT_SECRET_KEY: KEY, JWT_PUBLIC_KEY: pem }, /JWT_PUBLIC_KEY or JWT_JWKS_URL/],
      [{ JWT_JWKS_URL: 'https://idp.example/jwks.json' }, /RS256\/ES256/],
    ];
    for (const [env, message] of cases) {
      const result = await mint(['--role', 'admin', '--sub', 'ops'], env);
      assert.equal(result.status, 1, JSON.stringify(env));
      assert.match(result.message ?? '', message);
    }
  });

  it('ends a failed run with its exit code, the message on stderr and nothing on stdout', () => {
    const usage = cli(['--role', 'root', '--sub', 'x'], { JWT_SECRET_KEY: KEY });
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /^token: --role must be one of/);
    assert.equal(usage.stdout, '');
    const noKey = cli(['--role', 'admin', '--sub', 'ops']);
    assert.equal(noKey.status, 1);
    assert.match(noKey.stderr, /JWT_SECRET_KEY is not set/);
    assert.equal(noKey.stdout, '');
  });
});
