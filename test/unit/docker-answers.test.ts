import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rawContainerInspectSchema, rawContainerListItemSchema } from '../../src/main/docker/answers.js';

describe("Docker's container names", () => {
  it('lose the leading slash of list answers when parsed, and only that one', () => {
    const item = rawContainerListItemSchema.parse({ Id: 'a', Names: ['/web', '/other/alias', 'plain'] });
    assert.deepEqual(item.Names, ['web', 'other/alias', 'plain']);
  });

  it('lose the leading slash of inspect answers when parsed', () => {
    const raw = rawContainerInspectSchema.parse({
      Id: 'a',
      Name: '/web',
      Created: '2026-01-01T00:00:00Z',
      State: { Status: 'running' },
      Config: {},
    });
    assert.equal(raw.Name, 'web');
  });
});
