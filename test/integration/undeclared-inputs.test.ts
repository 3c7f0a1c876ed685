import assert from 'node:assert/strict';
import { request } from 'node:http';
import type Docker from 'dockerode';
import { before, describe, it } from 'node:test';
import { createTestContainer, sleeper, stateOf, useEngine } from '../support/engine.js';
import { eventually } from '../support/eventually.js';
import { rejection, useIpcHarness } from '../support/ipc.js';
import { newScenario } from '../support/scenario.js';
import { useTestServer } from '../support/server.js';

/**
 * An input the OpenAPI document does not declare for an operation — an unknown field, or a known
 * one sent in another part — is refused with 400 UNKNOWN_INPUT and nothing happens.
 */
describe('inputs an operation does not declare', () => {
  const scenario = newScenario((name) => [{ name: 'undeclared', phase: 1, members: [{ name: name('web') }] }]);
  let web: Docker.Container;

  useEngine();
  before(async () => {
    web = await scenario.container('web');
    await web.start();
  });
  const server = useTestServer(scenario.env);
  const ipc = useIpcHarness(scenario.env);

  function assertUnknown(res: { status: number; body: any }, what: string): void {
    assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'UNKNOWN_INPUT', what);
  }

  it('does not take a POST body field from the query: ?dryRun=true does not stop the group for real', async () => {
    const web = await stateOfMember();
    assert.equal(web, 'running');
    const res = await server.call('POST', '/api/v1/services/undeclared/stop?dryRun=true');
    assertUnknown(res, 'dryRun in the query');
    assert.deepEqual(res.body.error.details.problems, [{ path: 'dryRun', location: 'query', message: 'belongs in the body' }]);
    assert.equal(await stateOfMember(), 'running', 'the group still runs');

    const planned = await server.call('POST', '/api/v1/services/undeclared/stop', { body: { dryRun: true } });
    assert.equal(planned.status, 200);
    assert.equal(planned.body.dryRun, true);
    assert.equal(await stateOfMember(), 'running', 'a dry run changes nothing');
  });

  it('refuses unknown body fields and path inputs sent in the body', async () => {
    const c = await sleeper();
    for (const body of [{ timeout: 0, force: true }, { id: 'another' }]) {
      assertUnknown(await server.call('POST', `/api/v1/containers/${c.id}/stop`, { body }), JSON.stringify(body));
    }
    assertUnknown(await server.call('POST', '/api/v1/compose/down?project=demo&timeout=0'), 'compose down from the query');
    assert.equal(await stateOf(c), 'running');
  });

  it('refuses unknown query parameters on reads and probes, and any body on a GET', async () => {
    const c = await sleeper();
    for (const path of [
      '/api/v1/containers?bogus=1',
      '/health?verbose=1',
      `/api/v1/containers/${c.id}/logs?follow=true&until=1`,
      `/api/v1/containers/${c.id}/stats?interval=1`,
    ]) {
      assertUnknown(await server.call('GET', path), path);
    }
    assertUnknown(await getWithBody('/api/v1/containers', JSON.stringify({ all: true })), 'a JSON body on a GET');
    const large = await getWithBody('/api/v1/containers', JSON.stringify({ pad: 'x'.repeat(70 * 1024) }));
    assertUnknown(large, 'a large body on a GET is refused unread, not 413');
  });

  it('accepts the documented toggles: follow=false, stream=false, and tail=0 while following', async () => {
    const c = await sleeper();
    const once = await server.call('GET', `/api/v1/containers/${c.id}/logs?follow=false&tail=1`);
    assert.equal(once.status, 200);
    assert.deepEqual(once.body.lines, []);
    const stats = await server.call('GET', `/api/v1/containers/${c.id}/stats?stream=false`);
    assert.equal(stats.status, 200);
    assert.equal(stats.body.id, c.id);
    const aborted = new AbortController();
    const follow = await fetch(`${server.url}/api/v1/containers/${c.id}/logs?follow=true&tail=0`, {
      headers: { authorization: `Bearer ${await server.tokenFor('admin')}`, accept: 'text/event-stream' },
      signal: aborted.signal,
    });
    try {
      assert.equal(follow.status, 200);
      assert.match(follow.headers.get('content-type') ?? '', /^text\/event-stream/);
    } finally {
      aborted.abort();
    }
  });

  it('refuses any body on a POST that declares none, even {}, and does not start the container', async () => {
    const c = await sleeper({}, false);
    assertUnknown(await server.call('POST', `/api/v1/containers/${c.id}/start`, { body: {} }), 'an empty JSON object');
    const large = await server.call('POST', `/api/v1/containers/${c.id}/start`, { rawBody: 'x'.repeat(70 * 1024), headers: { 'content-type': 'text/plain' } });
    assertUnknown(large, 'a large body of another type is refused unread, not 413 nor 415');
    assert.equal(await stateOf(c), 'created', 'nothing started');
    const started = await server.call('POST', `/api/v1/containers/${c.id}/start`);
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.equal(await stateOf(c), 'running');
  });

  it('takes exactly true or false for every boolean query parameter and body field, and nothing happens otherwise', async () => {
    const c = await sleeper();
    const uses = [
      (v: string) => server.call('GET', `/api/v1/containers?all=${v}`),
      (v: string) => server.call('GET', `/api/v1/containers/${c.id}/logs?timestamps=${v}`),
      (v: string) => server.call('GET', `/api/v1/containers/${c.id}/logs?follow=${v}`),
      (v: string) => server.call('GET', `/api/v1/containers/${c.id}/stats?stream=${v}`),
      (v: string) => server.call('POST', '/api/v1/services/undeclared/stop', { body: { dryRun: v } }),
    ];
    for (const value of ['1', 'yes', 'TRUE']) {
      for (const [i, use] of uses.entries()) {
        const res = await use(value);
        assert.equal(res.status, 400, `${i} ${value}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, 'VALIDATION_FAILED');
        assert.equal(res.body.error.details.problems[0].message, 'must be true or false', `${i} ${value}`);
      }
    }
    assert.equal(await stateOfMember(), 'running', 'no dry run was mistaken for a real stop');
    const listed = await server.call('GET', '/api/v1/containers?all=false');
    assert.equal(listed.status, 200);
    assert.ok(listed.body.containers.every((x: { state: string }) => x.state === 'running'));
  });

  it('reads no lines with tail=0 on the one-shot read, as the document allows', async () => {
    const c = await createTestContainer({ cmd: ['sh', '-c', 'echo one; echo two; sleep 3600'] });
    await eventually(async () => ((await server.call('GET', `/api/v1/containers/${c.id}/logs?tail=2`)).body.lines?.length === 2 ? true : undefined), 'the lines are written', 5000);
    const none = await server.call('GET', `/api/v1/containers/${c.id}/logs?tail=0`);
    assert.equal(none.status, 200, JSON.stringify(none.body));
    assert.deepEqual(none.body.lines, []);
  });

  it('refuses unknown fields over IPC with the same code, and nothing happens', async () => {
    const window = await ipc.openWindow('admin');
    const c = await sleeper();
    assert.match(await rejection(window.api.containers.stop({ id: c.id, timeout: 0, force: true })), /^\[UNKNOWN_INPUT\] /);
    assert.match(await rejection(window.api.services.stop({ group: 'undeclared', dryRun: false, now: true })), /^\[UNKNOWN_INPUT\] /);
    assert.match(await rejection(window.api.containers.list({ bogus: 1 })), /^\[UNKNOWN_INPUT\] /);
    assert.equal(await stateOf(c), 'running');
    assert.equal(await stateOfMember(), 'running');
    const planned = await window.api.services.stop({ group: 'undeclared', dryRun: true });
    assert.equal(planned.dryRun, true);
  });

  /** Read from the engine, not from the manager. */
  const stateOfMember = () => stateOf(web);

  /** fetch cannot send a body with GET; a client that does is what this checks. */
  async function getWithBody(path: string, body: string): Promise<{ status: number; body: any }> {
    const token = await server.tokenFor('admin');
    return new Promise((resolve, reject) => {
      const req = request(`${server.url}${path}`, {
        method: 'GET',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      });
      // The server may answer and close before it has read the whole body.
      req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
      req.end(body);
    });
  }
});
