import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/**
 * The least any Node HTTP server can cost: `node:http` alone, in a process of its own as the
 * manager is, answering every request with the same bytes. Measured beside the manager in the
 * same rounds, it says how much of an answer's time is Node's and the machine's, not the manager's.
 */
const SERVER = `
const body = Buffer.from(process.env.BODY, 'base64');
const server = require('node:http').createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
`;

export interface BareServer {
  url: string;
  stop(): Promise<void>;
}

export async function startBareServer(body: Buffer): Promise<BareServer> {
  const child: ChildProcess = spawn(process.execPath, ['-e', SERVER], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', BODY: body.toString('base64') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 10_000;
  let url = '';
  while (!url) {
    if (child.exitCode !== null) throw new Error('the bare HTTP server exited while starting');
    if (Date.now() > deadline) {
      child.kill();
      throw new Error('the bare HTTP server did not start');
    }
    url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    url,
    async stop() {
      // A process that has exited has an exit code, or the signal that ended it.
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill();
      await exited;
    },
  };
}
