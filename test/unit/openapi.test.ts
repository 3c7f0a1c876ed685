import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { z } from 'zod';
import { defineOperation, type OperationDef } from '../../src/shared/contract/define.js';
import { operations } from '../../src/shared/contract/index.js';
import { HTTP_STATUS } from '../../src/main/http/error-status.js';
import { buildOpenApiDocument } from '../../src/main/http/openapi.js';
import { defineInput } from '../../src/shared/contract/input.js';
import { pathParams } from '../../src/shared/contract/path-template.js';
import { intParam } from '../../src/shared/schemas/common.js';

type Doc = any;

async function assertValidOpenApi(doc: Doc): Promise<void> {
  const validator = new Validator();
  const result = await validator.validate(structuredClone(doc));
  assert.equal(validator.version, '3.1', 'validated as OpenAPI 3.1');
  assert.ok(result.valid, JSON.stringify(result.errors, null, 2));
}

/** A table with the richer shapes of the real contract: public probes, events, bodies with required fields. */
const synthetic: Record<string, OperationDef> = {
  'system.health': defineOperation({
    summary: 'Liveness',
    method: 'GET',
    path: '/health',
    input: defineInput({}),
    output: z.object({ status: z.literal('ok') }),
    access: 'public',
    kind: 'read',
  }),
  'groups.start': defineOperation({
    summary: 'Start a group',
    method: 'POST',
    path: '/api/v1/groups/{name}/start',
    input: defineInput({
      path: { name: z.enum(['core', 'support']) },
      body: { reason: z.string().min(1), timeout: intParam(0, 60).default(5) },
    }),
    output: z.object({ started: z.number().int() }),
    access: 'groups:control',
    kind: 'control',
    events: z.object({ container: z.string(), state: z.string() }),
  }),
  'groups.status': defineOperation({
    summary: 'Status of a group',
    method: 'GET',
    path: '/api/v1/groups/{name}',
    input: defineInput({ path: { name: z.string() } }),
    output: z.object({ running: z.number().int() }),
    access: 'groups:read',
    kind: 'read',
  }),
  'groups.watch': defineOperation({
    summary: 'Watch a group change',
    method: 'GET',
    path: '/api/v1/groups/{name}',
    variantOf: { operation: 'groups.status', query: { watch: 'true' } },
    input: defineInput({ path: { name: z.string() }, query: { watch: z.literal('true').optional() } }),
    output: z.object({ reason: z.enum(['cancelled']) }),
    events: z.object({ running: z.number().int() }),
    eventName: 'change',
    subscription: true,
    access: 'groups:read',
    kind: 'read',
  }),
};

describe('OpenAPI generation', () => {
  it('produces a valid OpenAPI 3.1 document for the real contract', async () => {
    await assertValidOpenApi(buildOpenApiDocument(operations, { version: '1.2.3' }));
  });

  it('produces a valid document for public operations, bodies and events', async () => {
    await assertValidOpenApi(buildOpenApiDocument(synthetic, { version: '0.0.0' }));
  });

  it('is checked by a validator that rejects a broken document', async () => {
    const doc: Doc = buildOpenApiDocument(operations, { version: '0' });
    doc.paths['/api/v1/containers'].get.parameters[0].in = 'body';
    const result = await new Validator().validate(doc);
    assert.equal(result.valid, false);
  });

  it('documents every operation once under its method and path', () => {
    const doc: Doc = buildOpenApiDocument(operations, { version: '0' });
    const seen = new Set<string>();
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        const def = (operations as Record<string, OperationDef>)[op.operationId];
        assert.ok(def, `${op.operationId} is a contract operation`);
        assert.equal(def.path, path);
        assert.equal(def.method.toLowerCase(), method);
        seen.add(op.operationId);
        for (const variant of op['x-lucid-variants'] ?? []) {
          const variantDef = (operations as Record<string, OperationDef>)[variant.operation];
          assert.equal(variantDef?.variantOf?.operation, op.operationId, `${variant.operation} is served on this route`);
          assert.deepEqual(variant.query, variantDef?.variantOf?.query);
          seen.add(variant.operation);
        }
      }
    }
    assert.deepEqual([...seen].sort(), Object.keys(operations).sort(), 'every operation, variants included, exactly once');
  });

  it('states the permission and roles, and leaves public operations without security', () => {
    const doc: Doc = buildOpenApiDocument(synthetic, { version: '0' });
    const health = doc.paths['/health'].get;
    assert.deepEqual(health.security, []);
    assert.equal(health['x-lucid-permission'], 'public');
    assert.equal(health.responses['401'], undefined, 'a public operation never answers 401');
    assert.equal(health.parameters, undefined);

    const start = doc.paths['/api/v1/groups/{name}/start'].post;
    assert.deepEqual(start.security, [{ bearerAuth: [] }]);
    assert.equal(start['x-lucid-permission'], 'groups:control');
    assert.deepEqual(start['x-lucid-roles'], ['developer', 'admin']);
    assert.match(start.description, /groups:control/);
    assert.deepEqual(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  });

  it('puts path parameters in the path and the rest of a POST input in a JSON body', () => {
    const doc: Doc = buildOpenApiDocument(synthetic, { version: '0' });
    const start = doc.paths['/api/v1/groups/{name}/start'].post;
    assert.deepEqual(
      start.parameters.map((p: any) => [p.name, p.in, p.required]),
      [['name', 'path', true]],
    );
    assert.deepEqual(start.parameters[0].schema.enum, ['core', 'support']);
    const body = start.requestBody.content['application/json'].schema;
    assert.deepEqual(Object.keys(body.properties), ['reason', 'timeout']);
    assert.deepEqual(body.required, ['reason'], 'a default makes a field optional');
    assert.equal(start.requestBody.required, true);
    // The parsed meaning, not the loose "digits or number" spelling the transports also accept.
    assert.deepEqual(body.properties.timeout, { default: 5, type: 'integer', minimum: 0, maximum: 60 });
  });

  it('describes GET inputs as query parameters with their types and defaults', () => {
    const doc: Doc = buildOpenApiDocument(operations, { version: '0' });
    const logs = doc.paths['/api/v1/containers/{id}/logs'].get;
    const byName = Object.fromEntries(logs.parameters.map((p: any) => [p.name, p]));
    assert.equal(byName.id.in, 'path');
    assert.equal(byName.tail.in, 'query');
    // One route, two operations, one rule: 0–10000 lines (0: none, or with follow=true only new lines).
    const { description, ...tail } = byName.tail.schema;
    assert.deepEqual(tail, { default: 100, type: 'integer', minimum: 0, maximum: 10000 });
    assert.match(description, /0: none/);
    assert.deepEqual(byName.follow.schema, { type: 'boolean', default: false }, 'follow=false is the one-shot answer');
    assert.equal(byName.tail.required, false);
    assert.deepEqual(byName.timestamps.schema, { default: false, type: 'boolean' });
    assert.equal(logs.requestBody, undefined);
  });

  it('answers every error status of the code table with the shared envelope', () => {
    const doc: Doc = buildOpenApiDocument(operations, { version: '0' });
    const statuses = new Set(Object.values(HTTP_STATUS).map(String));
    for (const status of statuses) {
      const response = doc.components.responses[`Error${status}`];
      assert.ok(response, `component for ${status}`);
      assert.equal(response.content['application/json'].schema.$ref, '#/components/schemas/ErrorEnvelope');
    }
    const stop = doc.paths['/api/v1/containers/{id}/stop'].post;
    for (const status of ['400', '401', '403', '404', '409', '413', '500', '502', '503', '504']) {
      assert.equal(stop.responses[status]?.$ref, `#/components/responses/Error${status}`, status);
    }
    const envelope = doc.components.schemas.ErrorEnvelope;
    assert.deepEqual(envelope.required, ['error', 'requestId']);
    assert.ok(envelope.properties.error.properties.code.enum.includes('CONTAINER_NOT_FOUND'));
  });

  it('offers an event stream, with the data of each event, only for operations that declare events', () => {
    const doc: Doc = buildOpenApiDocument(synthetic, { version: '0' });
    const start = doc.paths['/api/v1/groups/{name}/start'].post.responses['200'].content;
    assert.deepEqual(Object.keys(start), ['application/json', 'text/event-stream'], 'JSON, or SSE when asked for');
    const events = start['text/event-stream']['x-lucid-events'];
    assert.deepEqual(Object.keys(events), ['progress', 'result', 'error']);
    assert.deepEqual(events.progress.required, ['container', 'state']);
    assert.deepEqual(events.result.required, ['started']);
    assert.equal(events.error.$ref, '#/components/schemas/ErrorEnvelope');
    assert.equal(doc.paths['/health'].get.responses['200'].content['text/event-stream'], undefined);
  });

  it('documents a variant on its base route: selecting query, stream and permission', () => {
    const doc: Doc = buildOpenApiDocument(synthetic, { version: '0' });
    const item = doc.paths['/api/v1/groups/{name}'];
    assert.deepEqual(Object.keys(item), ['get'], 'one operation per method and path');
    const status = item.get;
    assert.equal(status.operationId, 'groups.status');
    const watch = status.parameters.find((p: any) => p.name === 'watch');
    assert.deepEqual([watch.in, watch.required, watch.schema], ['query', false, { type: 'boolean', default: false }]);
    const content = status.responses['200'].content;
    assert.ok(content['application/json'], 'the base answer stays JSON');
    assert.deepEqual(Object.keys(content['text/event-stream']['x-lucid-events']), ['change', 'end', 'error']);
    assert.deepEqual(status['x-lucid-variants'].map((v: any) => [v.operation, v.query, v.permission, v.subscription]), [
      ['groups.watch', { watch: 'true' }, 'groups:read', true],
    ]);
    assert.match(status.description, /With `watch=true`: Watch a group change/);
  });

  it('documents the server, the licence, every tag, and the headers every answer carries', () => {
    const doc: Doc = buildOpenApiDocument(operations, { version: '0', license: 'MIT' });
    assert.deepEqual(doc.servers.map((s: any) => s.url), ['/']);
    assert.deepEqual(doc.info.license, { name: 'MIT', identifier: 'MIT' });
    for (const tag of doc.tags) assert.ok(tag.description, `tag ${tag.name} is described`);
    for (const item of Object.values<any>(doc.paths)) {
      for (const op of Object.values<any>(item)) {
        assert.ok(op.responses['200'].headers['X-Request-Id'], `${op.operationId}: 200 names X-Request-Id`);
      }
    }
    for (const [name, response] of Object.entries<any>(doc.components.responses)) {
      assert.ok(response.headers['X-Request-Id'], `${name} names X-Request-Id`);
    }
    assert.deepEqual(Object.keys(doc.components.responses.Error429.headers).sort(), ['RateLimit', 'RateLimit-Policy', 'Retry-After', 'X-Request-Id']);
  });

  it('answers 413 and 415 only where a body is read, and 429 only where calls are limited', () => {
    const doc: Doc = buildOpenApiDocument(operations, { version: '0' });
    const list = doc.paths['/api/v1/containers'].get.responses;
    assert.equal(list['413'], undefined, 'a GET refuses any body unread (400 UNKNOWN_INPUT)');
    assert.equal(list['415'], undefined);
    assert.ok(list['429']);
    const stop = doc.paths['/api/v1/containers/{id}/stop'].post;
    assert.ok(stop.responses['413'] && stop.responses['415']);
    assert.equal(stop.requestBody.content['application/json'].schema.additionalProperties, false, 'unknown body fields are refused');
    assert.equal(doc.paths['/health'].get.responses['429'], undefined, 'probes are never rate-limited');
  });

  it('finds the path parameters of a template', () => {
    assert.deepEqual(pathParams('/api/v1/containers/{id}/logs'), ['id']);
    assert.deepEqual(pathParams('/a/{x}/b/{y_2}'), ['x', 'y_2']);
    assert.deepEqual(pathParams('/health'), []);
  });
});
