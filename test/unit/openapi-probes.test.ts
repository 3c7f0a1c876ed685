import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildOpenApiDocument } from '../../src/main/http/openapi.js';
import { operations } from '../../src/shared/contract/index.js';

const doc: any = buildOpenApiDocument(operations, { version: '0' });

describe('OpenAPI: probes and metrics', () => {
  it('documents the not-ready 503 of the readiness and health probes as their own answer', () => {
    for (const path of ['/api/v1/ready', '/api/v1/health']) {
      const op = doc.paths[path].get;
      const alternatives = op.responses['503'].content['application/json'].schema.anyOf;
      assert.deepEqual(alternatives[0], op.responses['200'].content['application/json'].schema, path);
      assert.deepEqual(alternatives[1], { $ref: '#/components/schemas/ErrorEnvelope' }, path);
    }
  });

  it('documents /metrics as Prometheus text, not JSON', () => {
    const content = doc.paths['/metrics'].get.responses['200'].content;
    assert.deepEqual(Object.keys(content), ['text/plain; version=0.0.4; charset=utf-8']);
    assert.equal(content['text/plain; version=0.0.4; charset=utf-8'].schema.type, 'string');
  });

  it('leaves the public probes without security and the detailed health behind system:read', () => {
    for (const path of ['/health', '/api/v1/live', '/api/v1/ready']) {
      assert.deepEqual(doc.paths[path].get.security, [], path);
      assert.equal(doc.paths[path].get.responses['401'], undefined, path);
    }
    assert.equal(doc.paths['/api/v1/health'].get['x-lucid-permission'], 'system:read');
    assert.deepEqual(doc.paths['/api/v1/health'].get['x-lucid-roles'], ['user', 'developer', 'admin']);
  });

  it('documents /metrics as public unless METRICS_TOKEN is set: optional bearer, a 401, never a 403', () => {
    const op = doc.paths['/metrics'].get;
    assert.deepEqual(op.security, [{}, { bearerAuth: [] }]);
    assert.deepEqual(op.responses['401'], { $ref: '#/components/responses/Error401' });
    assert.equal(op.responses['403'], undefined);
    assert.match(op.description, /^Public unless METRICS_TOKEN is set/);
  });
});
