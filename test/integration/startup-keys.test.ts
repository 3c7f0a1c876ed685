import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, describe, it } from 'node:test';
import { mintFromCli } from '../../src/main/cli/token.js';
import { loadConfig } from '../../src/main/config/env.js';
import { createManager } from '../../src/main/create-manager.js';
import { requireEngine } from '../support/engine.js';
import { captureLogger } from '../support/logger.js';
import { TEST_DEFAULTS, TEST_SECRET } from '../support/server.js';
import { tempAuditPath, tempDir } from '../support/temp.js';

const SERVER = new URL('../../dist/main/server.js', import.meta.url).pathname;

function cleanEnv(env: Record<string, string>): Record<string, string> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('JWT_') && k !== 'LUCID_ENV'),
  ) as Record<string, string>;
  return { ...base, PORT: '0', AUDIT_LOG_PATH: tempAuditPath(), ...env };
}

describe('keys at start', () => {
  const children: ReturnType<typeof spawn>[] = [];

  after(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  });

  it('refuses to start in production without a key, or with a key shorter than 32 bytes, naming the variable', () => {
    const cases: Record<string, string>[] = [{ LUCID_ENV: 'production' }, { JWT_SECRET_KEY: 'too-short' }];
    for (const env of cases) {
      const result = spawnSync(process.execPath, [SERVER], { env: cleanEnv(env), encoding: 'utf8', timeout: 30_000 });
      assert.equal(result.status, 1, JSON.stringify(env));
      assert.match(result.stdout + result.stderr, /JWT_SECRET_KEY/);
      assert.doesNotMatch(result.stdout + result.stderr, /listening/);
    }
  });

  it('makes no throwaway key for a non-loopback HOST, naming HOST and the key variables', () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.10']) {
      const result = spawnSync(process.execPath, [SERVER], { env: cleanEnv({ HOST: host }), encoding: 'utf8', timeout: 30_000 });
      const output = result.stdout + result.stderr;
      assert.equal(result.status, 1, host);
      assert.match(output, new RegExp(`HOST=${host.replace(/\./g, '\\.')} is not a loopback`));
      assert.match(output, /JWT_SECRET_KEY \(or JWT_PUBLIC_KEY \/ JWT_JWKS_URL\)/);
      assert.doesNotMatch(output, /listening|Admin token/);
    }
  });

  it('names JWT_PUBLIC_KEY when it is not a usable key', () => {
    const broken = '-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----';
    const result = spawnSync(process.execPath, [SERVER], { env: cleanEnv({ JWT_PUBLIC_KEY: broken }), encoding: 'utf8', timeout: 30_000 });
    assert.equal(result.status, 1);
    assert.match(result.stdout + result.stderr, /JWT_PUBLIC_KEY: not a usable public key/);
  });

  it('warns that JWT_SECRET_KEY is ignored when a public key or JWKS is set', async () => {
    const pem = (await import('node:crypto')).generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' });
    for (const [variable, value] of [['JWT_PUBLIC_KEY', String(pem)], ['JWT_JWKS_URL', 'https://idp.example/jwks.json']]) {
      const logger = captureLogger();
      const config = loadConfig({ ...TEST_DEFAULTS(), JWT_SECRET_KEY: TEST_SECRET, [variable as string]: value, LOG_LEVEL: 'error' });
      const manager = await createManager(config, logger);
      await manager.close();
      const warning = logger.lines.find((l) => l.level === 'warn' && l.text.includes('JWT_SECRET_KEY is ignored'));
      assert.ok(warning, variable);
      assert.match(warning.text, new RegExp(`${variable} is set`));
    }
    const quiet = captureLogger();
    const manager = await createManager(loadConfig({ ...TEST_DEFAULTS(), JWT_SECRET_KEY: TEST_SECRET }), quiet);
    await manager.close();
    assert.equal(quiet.lines.some((l) => l.text.includes('ignored')), false);
  });

  it('in development makes a key for the run, prints an admin token and a mint command that works without the key in the log', async () => {
    await requireEngine();
    const runtimeDir = tempDir();
    const child = spawn(process.execPath, [SERVER], { env: cleanEnv({ XDG_RUNTIME_DIR: runtimeDir }), stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no mint command printed:\n${output}`)), 30_000);
      const read = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (/Mint more with: .*\n/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
    });
    const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
    const adminToken = /Admin token \(12 h\): (\S+)/.exec(output)?.[1];
    const command = /Mint more with: npm run --silent token -- --key-file (\S+) (.+)\n/.exec(output);
    assert.ok(url && adminToken && command, output);
    const keyFile = command[1]!;
    assert.equal(dirname(keyFile), `${runtimeDir}/lucid-docker-manager`, 'in the private runtime directory');
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.equal(statSync(dirname(keyFile)).mode & 0o777, 0o700);
    const key = readFileSync(keyFile, 'utf8').trim();
    assert.ok(key.length >= 32);
    assert.equal(output.includes(key), false, 'the key itself never reaches the log');
    const list = await fetch(`${url}/api/v1/containers`, { headers: { authorization: `Bearer ${adminToken}` } });
    assert.equal(list.status, 200);

    const { token } = await mintFromCli(['--key-file', keyFile, ...command[2]!.split(' ')], {});
    const asDeveloper = await fetch(`${url}/api/v1/containers`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(asDeveloper.status, 200, 'a token minted with the printed command is accepted');
    const audit = await fetch(`${url}/api/v1/audit`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(audit.status, 403, 'and it carries the developer role it asked for');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    assert.equal(existsSync(keyFile), false, 'the key file goes with the process');
  });
});
