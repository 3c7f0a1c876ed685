import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { requireEngine } from '../support/engine.js';

/** Whatever a test swarm of this id left: namespaces, daemons, folders. */
function leftovers(id: string): string[] {
  const namespaces = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').filter((line) => line.includes(`lucid-sw-${id}`));
  const daemons = spawnSync('pgrep', ['-af', `lucid-sw-${id}`], { encoding: 'utf8' }).stdout.split('\n').filter((line) => line.includes('dockerd'));
  const folders = readdirSync('/tmp').filter((name) => name.startsWith(`lucid-sw-${id}`));
  return [...namespaces, ...daemons, ...folders];
}

describe('a test swarm in a process ended by a signal', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`leaves nothing behind after ${signal}`, async (t) => {
      await requireEngine();
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/swarm-held.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
      t.after(() => child.kill('SIGKILL'));
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const id = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', () => {
          const found = /^up (\w+)$/m.exec(output)?.[1];
          if (found) resolve(found);
        });
        child.once('exit', (code) => reject(new Error(`the swarm process exited with ${code} before it was up`)));
      });
      assert.notDeepEqual(leftovers(id), [], 'the swarm was there');
      const exited = once(child, 'exit');
      child.kill(signal);
      const [code, killedBy] = await exited;
      assert.equal(code, signal === 'SIGTERM' ? 143 : 130, `exit ${code} ${killedBy}`);
      assert.deepEqual(leftovers(id), []);
      assert.equal(existsSync(`/var/run/netns/lucid-sw-${id}-n0`), false);
    });
  }
});
