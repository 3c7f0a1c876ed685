import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, describe, it } from 'node:test';
import { mintFromCli } from '../../src/main/cli/token.js';
import { loadConfig } from '../../src/main/config/env.js';
import { createManager } from '../../src/main/create-manager.js';
import { requireEngine } from '../support/engine.js';
import { captureLogger } from '../support/logger.js';
import { TEST_DEFAULTS, TEST_SECRET } from '../support/server.js';
import { runServer, spawnServer, type ServerEnv } from '../support/spawned-server.js';
import { tempDir } from '../support/temp.js';

/** No key from the test's environment: the server decides what a missing or bad key means. */
const NO_KEY = { JWT_SECRET_KEY: undefined };

describe('keys at start', () => {
  const children: ChildProcess[] = [];

  after(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  });

  it('refuses to start in production without a key, or with a key shorter than 32 bytes, naming the variable', async () => {
    const cases: ServerEnv[] = [{ ...NO_KEY, LUCID_ENV: 'production' }, { JWT_SECRET_KEY: 'too-short' }];
    for (const env of cases) {
      const { code, output } = await runServer(env);
      assert.equal(code, 1, JSON.stringify(env));
      assert.match(output, /JWT_SECRET_KEY/);
      assert.doesNotMatch(output, /listening/);
    }
  });

  it('makes no throwaway key for a non-loopback HOST, naming HOST and the key variables', async () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.10']) {
      const { code, output } = await runServer({ ...NO_KEY, HOST: host });
      assert.equal(code, 1, host);
      assert.match(output, new RegExp(`HOST=${host.replace(/\./g, '\\.')} is not a loopback`));
      assert.match(output, /JWT_SECRET_KEY \(or JWT_PUBLIC_KEY \/ JWT_JWKS_URL\)/);
      assert.doesNotMatch(output, /listening|Admin token/);
    }
  });

  it('names JWT_PUBLIC_KEY when it is not a usable key', async () => {
    const broken = '-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----';
    const { code, output } = await runServer({ ...NO_KEY, JWT_PUBLIC_KEY: broken });
    assert.equal(code, 1);
    assert.match(output, /JWT_PUBLIC_KEY: not a usable public key/);
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
    const server = await spawnServer({ ...NO_KEY, XDG_RUNTIME_DIR: runtimeDir });
    const { child, url } = server;
    children.push(child);
    await server.logged(/Mint more with: .*\n/);
    const output = server.output();
    const adminToken = /Admin token \(12 h\): (\S+)/.exec(output)?.[1];
    const command = /Mint more with: npm run --silent token -- --key-file (\S+) (.+)\n/.exec(output);
    assert.ok(adminToken && command, output);
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
    child.kill('SIGTERM');
    await server.exited;
    assert.equal(existsSync(keyFile), false, 'the key file goes with the process');
  });
});
