import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { composeDown, composeFile, projectName, removeDir, tempDir, writeFile } from '../support/compose.js';
import { docker, removeRunContainers, requireEngine } from '../support/engine.js';
import { useIpcHarness } from '../support/ipc.js';
import { readSse } from '../support/sse.js';
import { useTestServer } from '../support/server.js';
import { sleep } from '../support/sleep.js';

async function running(project: string): Promise<number> {
  const list = await docker.listContainers({ filters: { label: [`com.docker.compose.project=${project}`] } });
  return list.length;
}

describe('compose output streams', () => {
  const project = projectName('stream');
  let root: string;
  let file: string;

  before(async () => {
    await requireEngine();
    root = tempDir('lucid-compose-stream');
    file = writeFile(join(root, project, 'compose.yml'), composeFile({ alpha: {}, beta: { healthyAfterSeconds: 1 } }));
    writeFile(join(root, 'broken', 'compose.yml'), 'services:\n  web:\n    bogus_key: 1\n');
  });
  const env = () => ({ COMPOSE_PROJECTS_DIR: root, COMPOSE_TIMEOUT: '120' });
  const server = useTestServer(env);
  const harness = useIpcHarness(env);

  after(async () => {
    await composeDown(project, [file]);
    await removeRunContainers();
    removeDir(root);
  });

  async function post(path: string, body: unknown): Promise<Response> {
    return fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await server.tokenFor('admin')}`,
        accept: 'text/event-stream',
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
  }

  it('REST: Server-Sent Events carry each output line, then one result event', async () => {
    for (const [path, body] of [
      ['/api/v1/compose/up', { project, wait: true }],
      ['/api/v1/compose/down', { project, timeout: 0 }],
    ] as const) {
      const res = await post(path, body);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
      const frames = (await readSse(res, (f) => f.some((x) => x.event === 'result' || x.event === 'error')))
        .filter((f) => f.event !== 'comment');
      const result = frames.at(-1);
      assert.equal(result?.event, 'result', JSON.stringify(result?.data));
      const lines = frames.slice(0, -1);
      assert.ok(lines.length >= 2, 'lines arrive before the result');
      assert.ok(lines.every((f) => f.event === 'line' && ['stdout', 'stderr', 'manager'].includes(f.data.stream)));
      assert.deepEqual(lines.map((f) => f.data.line), result?.data.output, 'the answer ends with the same lines');
      assert.equal(result?.data.project, project);
      assert.equal(result?.data.exitCode, 0);
      assert.equal(await running(project), path.endsWith('/up') ? 2 : 0);
    }
  });

  it('REST: a failure before the run keeps its status; a failing run ends with an error event', async () => {
    const missing = await post('/api/v1/compose/up', { project: projectName('no-such') });
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, 'PROJECT_NOT_FOUND');
    const broken = await post('/api/v1/compose/up', { project: 'broken' });
    assert.equal(broken.status, 200);
    const frames = await readSse(broken, (f) => f.some((x) => x.event === 'error' || x.event === 'result'));
    const last = frames.at(-1);
    assert.equal(last?.event, 'error');
    assert.equal(last?.data.error.code, 'COMPOSE_FAILED');
    assert.ok(last?.data.error.details.exitCode > 0);
    assert.ok(frames.some((f) => f.event === 'line'), 'compose explained itself before failing');
    assert.ok(frames.some((f) => f.event === 'line' && f.data.line.includes('broken/compose.yml')), 'naming the file as registered');
    assert.equal(JSON.stringify(frames).includes(root), false, 'never a host path');
  });

  it('IPC: the calling window receives every line before the promise resolves', async () => {
    const { api } = await harness.openWindow('admin');
    const other = await harness.openWindow('admin');
    const leaked: unknown[] = [];
    other.renderer.on('lucid-docker:stream.event', (...args) => leaked.push(args));
    for (const [method, input] of [
      ['up', { project, wait: true }],
      ['down', { project, timeout: 0 }],
    ] as const) {
      const seen: string[] = [];
      const result = await api.compose[method](input, {
        onEvent: (event: { stream: string; line: string }) => seen.push(event.line),
      });
      const afterResult = seen.length;
      assert.ok(afterResult >= 2, `${method}: lines arrived before the answer`);
      assert.deepEqual(seen, result.output);
      await sleep(100);
      assert.equal(seen.length, afterResult, 'nothing arrives after the answer');
      assert.equal(await running(project), method === 'up' ? 2 : 0);
    }
    assert.deepEqual(leaked, [], 'another window never sees these lines');
    assert.equal(harness.registration.openStreams, 0);
  });
});
