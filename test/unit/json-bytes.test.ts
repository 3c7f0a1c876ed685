import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { approximateBytes } from '../../src/main/core/bounded-queue.js';
import { lineBytes } from '../../src/main/docker/log-read.js';
import { jsonStringBytes } from '../../src/main/system/json-bytes.js';

const truth = (s: string) => Buffer.byteLength(JSON.stringify(s)) - 2;

describe('jsonStringBytes', () => {
  const cases: Record<string, string> = {
    empty: '',
    ascii: 'hello world 0123456789 ~!@#$%^&*()',
    'DEL is not escaped': '\x7f',
    'short escapes': '\b\t\n\f\r',
    'other control characters': '\x00\x01\x07\x0b\x0e\x1b\x1f',
    'quote and backslash': '"\\"\\',
    '2-byte UTF-8': 'é ß ж',
    '3-byte UTF-8': '€ 日本語 \u2028\u2029 \uffff',
    '4-byte UTF-8 (surrogate pairs)': '😀𝄞𐍈',
    'lone high surrogate': 'a\ud800b',
    'lone high surrogate at the end': 'a\udbff',
    'lone low surrogate': '\udc00a',
    'low before high (both lone)': '\udc00\ud800',
    'high then a pair': '\ud800\ud83d\ude00',
    mixed: 'ab"é€😀\n\x01\\\ud800',
  };
  for (const [name, s] of Object.entries(cases)) {
    it(`counts ${name} as JSON.stringify encodes it`, () => {
      assert.equal(jsonStringBytes(s), truth(s));
    });
  }

  it('counts every UTF-16 code unit alone and in pairs like JSON.stringify', () => {
    const units = [0, 1, 0x1f, 0x20, 0x22, 0x5c, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xffff];
    for (const a of units) {
      for (const b of units) {
        const s = String.fromCharCode(a, b);
        assert.equal(jsonStringBytes(s), truth(s), `${a.toString(16)} ${b.toString(16)}`);
      }
    }
  });

  it('counts a long string of control characters at six bytes each', () => {
    const s = '\x01'.repeat(100_000);
    assert.equal(jsonStringBytes(s), 600_000);
  });
});

describe('sizes built on it', () => {
  it('a log line costs at least its JSON', () => {
    for (const text of ['plain', '\x01'.repeat(1000), '日本'.repeat(500), '"'.repeat(1000)]) {
      const line = { stream: 'stdout' as const, text, timestamp: '2024-01-01T00:00:00.123456789Z', partial: true };
      assert.ok(lineBytes(line) >= Buffer.byteLength(JSON.stringify(line)) + 1, text.slice(0, 10));
    }
  });

  it('a queued event is sized by its JSON, escapes included', () => {
    const event = { stream: 'stdout', text: '\x01'.repeat(10_000) };
    const real = Buffer.byteLength(JSON.stringify(event));
    const counted = approximateBytes(event);
    assert.ok(counted >= real && counted < real + 64, `${counted} for ${real}`);
  });
});
