import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LucidError } from '../../src/shared/errors.js';
import { LocatedInput, parseOperationInput } from '../../src/main/core/validation.js';

const nothing = () => new LocatedInput({}, {}, undefined);

describe('an operation called with no input', () => {
  it('gets one parsed input, frozen, whichever transport sent nothing', () => {
    const first = parseOperationInput('swarm.services', nothing());
    assert.equal(parseOperationInput('swarm.services', nothing()), first);
    assert.equal(parseOperationInput('swarm.services', {}), first);
    assert.equal(parseOperationInput('swarm.services', undefined), first);
    assert.equal(Object.isFrozen(first), true);
  });

  it('still parses any input that says something, each time', () => {
    const none = parseOperationInput('swarm.services', nothing());
    const named = parseOperationInput('swarm.services', new LocatedInput({}, { stack: 'web' }, undefined));
    assert.deepEqual(named, { stack: 'web' });
    assert.notEqual(parseOperationInput('swarm.services', new LocatedInput({}, { stack: 'web' }, undefined)), named);
    assert.notEqual(named, none);
    assert.throws(() => parseOperationInput('swarm.services', new LocatedInput({}, { stak: 'web' }, undefined)), { code: 'UNKNOWN_INPUT' });
  });

  it('is refused every time when the operation needs input', () => {
    for (let i = 0; i < 2; i++) {
      assert.throws(
        () => parseOperationInput('swarm.scale', nothing()),
        (err: unknown) => err instanceof LucidError && err.code === 'VALIDATION_FAILED',
      );
    }
  });
});
