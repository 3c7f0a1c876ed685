import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { mintFromCli } from '../../src/main/cli/token.js';
import { requireEngine } from '../support/engine.js';
import { tempAuditPath } from '../support/temp.js';

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

  it('in development makes a key for the run, prints an admin token and a mint command that works', async () => {
    await requireEngine();
    const child = spawn(process.execPath, [SERVER], { env: cleanEnv({}), stdio: ['ignore', 'pipe', 'pipe'] });
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
    const command = /Mint more with: JWT_SECRET_KEY=(\S+) npm run --silent token -- (.+)\n/.exec(output);
    assert.ok(url && adminToken && command, output);
    const list = await fetch(`${url}/api/v1/containers`, { headers: { authorization: `Bearer ${adminToken}` } });
    assert.equal(list.status, 200);

    const { token } = await mintFromCli(command[2]!.split(' '), { JWT_SECRET_KEY: command[1] });
    const asDeveloper = await fetch(`${url}/api/v1/containers`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(asDeveloper.status, 200, 'a token minted with the printed command is accepted');
    const audit = await fetch(`${url}/api/v1/audit`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(audit.status, 403, 'and it carries the developer role it asked for');
    child.kill('SIGTERM');
  });
});
