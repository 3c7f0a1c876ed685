import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { operations, type OperationDef } from '../../src/shared/contract/index.js';
import { readFileSync } from 'node:fs';
import { startDockerRecorder, type DockerRecorder } from '../support/docker-recorder.js';
import { removeRunContainers, requireEngine, sleeper, stateOf } from '../support/engine.js';
import { newScenario } from '../support/scenario.js';
import { composeDown, composeFile, projectName, removeDir, tempDir, writeFile } from '../support/compose.js';
import { join } from 'node:path';
import { useTestServer } from '../support/server.js';

type Schema = Record<string, any>;

/**
 * An example value from a documented schema alone, the way a client generator would pick one;
 * undefined when the schema does not say enough (the test then supplies the value or fails).
 */
function exampleOf(schema: Schema): unknown {
  if (Array.isArray(schema['examples']) && schema['examples'].length > 0) return schema['examples'][0];
  if ('default' in schema) return schema['default'];
  if ('const' in schema) return schema['const'];
  if (Array.isArray(schema['enum'])) return schema['enum'][0];
  if (Array.isArray(schema['anyOf'])) {
    for (const branch of schema['anyOf'] as Schema[]) {
      const value = exampleOf(branch);
      if (value !== undefined) return value;
    }
    return undefined;
  }
  if (schema['type'] === 'boolean') return false;
  if (schema['type'] === 'integer' || schema['type'] === 'number') return schema['minimum'] ?? 0;
  if (schema['type'] === 'string' && schema['format'] === 'date-time') return new Date().toISOString();
  return undefined;
}

interface Route {
  name: string;
  method: string;
  path: string;
  op: Schema;
}

function routesOf(doc: Schema): Route[] {
  return Object.entries<Schema>(doc['paths']).flatMap(([path, item]) =>
    Object.entries<Schema>(item).map(([method, op]) => ({ name: op['operationId'], method: method.toUpperCase(), path, op })),
  );
}

/** The documented request of a route, filled from its schemas; `fixtures` gives what a schema cannot (a real id). */
function exampleRequest(route: Route, fixtures: Record<string, unknown>): { url: string; body?: Record<string, unknown> } {
  // A variant's selecting query (follow=true) would turn the request into that variant.
  const selectors = new Set(((route.op['x-lucid-variants'] ?? []) as Schema[]).flatMap((v) => Object.keys(v['query'])));
  const value = (name: string, schema: Schema, required: boolean) => {
    if (selectors.has(name)) return undefined;
    const v = name in fixtures ? fixtures[name] : exampleOf(schema);
    if (v === undefined && required) throw new Error(`${route.name}: no example for required "${name}"`);
    return v;
  };
  let url = route.path;
  const query = new URLSearchParams();
  for (const p of (route.op['parameters'] ?? []) as Schema[]) {
    const v = value(p['name'], p['schema'], p['required'] === true);
    if (v === undefined) continue;
    if (p['in'] === 'path') url = url.replace(`{${p['name']}}`, encodeURIComponent(String(v)));
    else query.set(p['name'], String(v));
  }
  if (query.size > 0) url += `?${query}`;
  const bodySchema = route.op['requestBody']?.content?.['application/json']?.schema as Schema | undefined;
  if (!bodySchema) return { url };
  const required = new Set<string>(bodySchema['required'] ?? []);
  const body: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries<Schema>(bodySchema['properties'] ?? {})) {
    const v = value(key, schema, required.has(key));
    if (v !== undefined) body[key] = v;
  }
  return { url, body };
}

describe('the OpenAPI document served at /openapi.json', () => {
  let recorder: DockerRecorder;
  let doc: Schema;
  // Group operations act only on this scenario's group and container, never on other tests'.
  const scenario = newScenario((name) => [{ name: 'openapi', phase: 1, members: [{ name: name('web') }] }]);
  // Compose operations act on a project of this suite's own, discovered in its own folder.
  const project = projectName('openapi');
  const projectsDir = tempDir('lucid-openapi-compose-');
  const composePath = writeFile(join(projectsDir, project, 'compose.yaml'), composeFile({ app: {} }));
  // A swarm service and node name: the engine here is in no swarm, so these are never looked up.
  const fixtures = { group: 'openapi', project, service: 'web', node: 'worker1', stack: 'openapi-stack' };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);

  before(async () => {
    await requireEngine();
    recorder = await startDockerRecorder();
    await scenario.container('web');
  });
  const server = useTestServer(() => ({ ...scenario.env, DOCKER_HOST: recorder.dockerHost, COMPOSE_PROJECTS_DIR: projectsDir }));
  before(async () => {
    const res = await server.call('GET', '/openapi.json', { role: null });
    assert.equal(res.status, 200, 'served without a token');
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    doc = res.body;
  });

  // Declared after the server, so that it closes before the recorder it talks to.
  after(async () => {
    await composeDown(project, [composePath]).catch(() => undefined);
    removeDir(projectsDir);
    await removeRunContainers();
    await recorder?.close();
  });

  it('validates against the OpenAPI 3.1 schema', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    assert.equal(validator.version, '3.1');
    assert.ok(result.valid, JSON.stringify(result.errors, null, 2));
  });

  it('holds every contract operation with its method, path and permission', () => {
    const routes = new Map(routesOf(doc).map((r) => [r.name, r]));
    const variants = new Map(
      routesOf(doc).flatMap((r) => ((r.op['x-lucid-variants'] ?? []) as Schema[]).map((v) => [v['operation'], { route: r, v }] as const)),
    );
    for (const [name, def] of Object.entries<OperationDef>(operations)) {
      if (def.variantOf) {
        const found = variants.get(name);
        assert.ok(found, `${name} is documented as a variant`);
        assert.equal(found.route.name, def.variantOf.operation);
        assert.equal(found.v['permission'], def.access);
        continue;
      }
      const route = routes.get(name);
      assert.ok(route, `${name} is documented`);
      assert.equal(route.method, def.method);
      assert.equal(route.path, def.path);
      assert.equal(route.op['x-lucid-permission'], def.access);
    }
    assert.equal(routes.size + variants.size, Object.keys(operations).length, 'nothing documented outside the contract');
  });

  for (const [name, def] of Object.entries<OperationDef>(operations)) {
    // A subscription never answers once: its stream is opened in the test below.
    if (def.variantOf || def.subscription) continue;
    it(`${name}: the documented example request is accepted and answered as documented`, async () => {
      const route = routesOf(doc).find((r) => r.name === name);
      assert.ok(route);
      const container = await sleeper();
      const { url, body } = exampleRequest(route, { ...fixtures, id: (await container.inspect()).Name.slice(1) });
      const res = await server.call(route.method, url, body === undefined ? {} : { body });
      if (/^(swarm|stacks)\./.test(name)) {
        // This engine is in no swarm: the documented refusal. Answers of a real swarm are checked
        // against this document in test/integration/swarm.test.ts.
        assert.equal(res.status, 409, `${route.method} ${url} ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, 'NOT_SWARM_MANAGER');
        return;
      }
      assert.equal(res.status, 200, `${route.method} ${url} ${JSON.stringify(res.body)}`);

      const json = route.op['responses']['200']['content']['application/json'];
      if (json && typeof res.body === 'object') {
        const validate = ajv.compile(json.schema);
        assert.ok(validate(res.body), `answer matches the documented schema: ${ajv.errorsText(validate.errors)}`);
      }
      if (route.op['x-lucid-kind'] === 'control' && typeof res.body?.state === 'string') {
        assert.equal(await stateOf(container), res.body.state, 'the engine agrees with the answer');
      }
    });
  }

  it('opens the documented event stream of each variant and subscription with its example request', async () => {
    const streams = routesOf(doc).flatMap((route) => [
      ...((route.op['x-lucid-variants'] ?? []) as Schema[]).map((variant) => ({ route, variant: variant as Schema | undefined })),
      ...(route.op['x-lucid-subscription'] ? [{ route, variant: undefined }] : []),
    ]);
    assert.ok(streams.length > 0, 'the contract has variants');
    for (const { route, variant } of streams) {
      const container = await sleeper();
      const streamRoute = variant ? { ...route, name: variant['operation'], op: { parameters: variant['parameters'] } } : route;
      const { url } = exampleRequest(streamRoute, { ...fixtures, id: container.id, ...variant?.['query'] });
      if (variant) assert.ok(url.includes('?'), url);
      const aborted = new AbortController();
      const res = await fetch(`${server.url}${url}`, {
        headers: { authorization: `Bearer ${await server.tokenFor('admin')}`, accept: 'text/event-stream' },
        signal: aborted.signal,
      });
      try {
        if (/^(swarm|stacks)\./.test(route.name)) {
          // In no swarm here: refused before any stream opens (streams of a real swarm: swarm.test.ts).
          assert.equal(res.status, 409, `${variant?.['operation'] ?? route.name}: ${url}`);
          continue;
        }
        assert.equal(res.status, 200, `${variant?.['operation'] ?? route.name}: ${url}`);
        assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
        assert.ok(route.op['responses']['200']['content']['text/event-stream'], 'the stream is documented');
      } finally {
        aborted.abort();
      }
    }
  });

  it('refuses a documented secured route without a token, with the documented envelope', async () => {
    const validateEnvelope = ajv.compile<{ error: { code: string } }>(doc['components']['schemas']['ErrorEnvelope']);
    for (const route of routesOf(doc)) {
      // `{}` among the requirements: anonymous callers are admitted (with this server's config).
      const requirements = route.op['security'] as object[];
      const secured = requirements.length > 0 && requirements.every((r) => Object.keys(r).length > 0);
      if (!secured) continue;
      assert.ok(route.op['responses']['401'], `${route.name} documents 401`);
      const { url, body } = exampleRequest(route, { ...fixtures, id: 'lucid-openapi-no-such-container' });
      const res = await server.call(route.method, url, { role: null, ...(body ? { body } : {}) });
      assert.equal(res.status, 401, route.name);
      assert.ok(validateEnvelope(res.body), ajv.errorsText(validateEnvelope.errors));
      assert.equal(res.body.error.code, 'UNAUTHENTICATED');
    }
  });

  // Runs last: by now every documented route has been called through the recorder.
  it('calls only the Engine API endpoints the security section of docs/operations.md lists', () => {
    const doc = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    const listed = new Set([...doc.matchAll(/^\s*\| `(GET|POST|PUT|DELETE|HEAD)` \| `(\/[^`]*)` \|/gm)].map((m) => `${m[1]} ${m[2]}`));
    assert.ok(listed.size > 0, 'docs/operations.md lists endpoints');
    assert.ok(recorder.calls.size > 0, 'the recorder saw the calls');
    const unlisted = [...recorder.calls].filter((call) => !listed.has(call));
    assert.deepEqual(unlisted, [], 'add these to the allow-list table in docs/operations.md');
  });
});
