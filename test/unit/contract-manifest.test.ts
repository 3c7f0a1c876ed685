import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getOperation, operationNames, variantToggles, type OperationName } from '../../src/shared/contract/index.js';
import { INPUT_LOCATIONS } from '../../src/shared/contract/input.js';
import { OPERATION_STREAMS, type StreamKind } from '../../src/shared/contract/manifest.js';
import { pathParams } from '../../src/shared/contract/path-template.js';

function kindOf(name: OperationName): StreamKind {
  const op = getOperation(name);
  if (op.subscription) return 'subscription';
  return op.events ? 'events' : 'call';
}

describe('the contract', () => {
  it('agrees with the zod-free manifest the preload is built from', () => {
    assert.deepEqual(Object.keys(OPERATION_STREAMS).sort(), [...operationNames].sort(), 'the same operations');
    for (const name of operationNames) assert.equal(OPERATION_STREAMS[name], kindOf(name), name);
  });

  it('declares exactly the path template parameters as path inputs, and no body on a GET', () => {
    for (const name of operationNames) {
      const op = getOperation(name);
      assert.deepEqual(Object.keys(op.input.parts.path.shape).sort(), pathParams(op.path).sort(), name);
      if (op.method === 'GET') assert.deepEqual(Object.keys(op.input.parts.body.shape), [], `${name} reads no body`);
    }
  });

  it('names every input field once, in one part', () => {
    for (const name of operationNames) {
      const { parts } = getOperation(name).input;
      const fields = INPUT_LOCATIONS.flatMap((location) => Object.keys(parts[location].shape));
      assert.equal(new Set(fields).size, fields.length, name);
    }
  });

  it('selects a variant only by a query value the variant declares', () => {
    for (const name of operationNames) {
      for (const { key, variant } of variantToggles(name)) {
        assert.ok(Object.hasOwn(getOperation(variant).input.parts.query.shape, key), `${variant} declares ${key}`);
        assert.equal(getOperation(variant).path, getOperation(name).path);
      }
    }
  });
});
