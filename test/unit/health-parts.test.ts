import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareApiVersions, isSupportedApi } from '../../src/main/docker/api-version.js';

describe('Engine API versions', () => {
  it('compares numerically, not as text', () => {
    assert.equal(compareApiVersions('1.41', '1.41'), 0);
    assert.equal(compareApiVersions('1.9', '1.41'), -1);
    assert.equal(compareApiVersions('1.44', '1.41'), 1);
    assert.equal(compareApiVersions('2.0', '1.52'), 1);
    assert.equal(compareApiVersions('1.41.1', '1.41'), 1);
  });

  it('supports 1.41 (Engine 20.10) and newer only', () => {
    for (const [api, ok] of [['1.40', false], ['1.12', false], ['1.41', true], ['1.44', true], ['1.52', true], ['junk', false]] as const) {
      assert.equal(isSupportedApi(api), ok, api);
    }
  });
});
