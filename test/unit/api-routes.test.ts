import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getOperation, operationNames } from '../../src/shared/contract/index.js';
import { fillPath } from '../../src/shared/contract/path-template.js';
import { apiRoutes, matchRoute } from '../../src/main/http/api-routes.js';

describe('the REST routes generated from the contract', () => {
  const routes = apiRoutes();

  it('serve every operation of the contract at its method and path, a variant by its base route', () => {
    for (const name of operationNames) {
      const op = getOperation(name);
      const path = fillPath(op.path, Object.fromEntries(op.path.match(/\{(\w+)\}/g)?.map((p) => [p.slice(1, -1), 'x1']) ?? []));
      const found = matchRoute(routes, op.method, path);
      assert.ok(found, `${op.method} ${path}`);
      assert.equal(found.route.path, op.path, name);
      assert.ok(found.route.base === name || found.route.variants.includes(name), name);
    }
  });

  it('match as Express did: any case, one trailing slash, HEAD as GET, each parameter one raw segment', () => {
    const logs = matchRoute(routes, 'GET', '/API/v1/Containers/web%20one/logs/');
    assert.equal(logs?.route.path, '/api/v1/containers/{id}/logs');
    assert.deepEqual(logs?.rawParams, { id: 'web%20one' });
    assert.equal(matchRoute(routes, 'HEAD', '/api/v1/live')?.route.path, '/api/v1/live');
    assert.equal(matchRoute(routes, 'GET', '/api/v1/containers//logs'), undefined);
    assert.equal(matchRoute(routes, 'GET', '/api/v1/containers/a/b/logs'), undefined);
    assert.equal(matchRoute(routes, 'GET', '/api/v1/live//'), undefined);
  });

  it('leave everything else to the pages: another method, another path', () => {
    assert.equal(matchRoute(routes, 'POST', '/api/v1/live'), undefined);
    assert.equal(matchRoute(routes, 'OPTIONS', '/api/v1/containers'), undefined);
    assert.equal(matchRoute(routes, 'GET', '/api/v1/nowhere'), undefined);
    assert.equal(matchRoute(routes, 'GET', '/'), undefined);
    assert.equal(matchRoute(routes, 'GET', '/docs'), undefined);
  });

  it('know which operations take a body: a POST that declares body fields, nothing else', () => {
    const stop = matchRoute(routes, 'POST', '/api/v1/containers/x/stop');
    const start = matchRoute(routes, 'POST', '/api/v1/containers/x/start');
    assert.equal(stop?.route.takesBody, true);
    assert.equal(start?.route.takesBody, false);
    assert.equal(matchRoute(routes, 'GET', '/api/v1/containers')?.route.takesBody, false);
  });
});
