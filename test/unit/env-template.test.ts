import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { envSchema, loadConfig } from '../../src/main/config/env.js';

const TEMPLATE = new URL('../../config/env.gui-docker-manager.template', import.meta.url);
const SECTIONS = ['server', 'Docker', 'auth', 'limits', 'groups and compose', 'logging', 'metrics'];

interface Entry {
  key: string;
  value: string;
  comment: string;
  section: string | undefined;
  line: number;
}

function parseTemplate(text: string): Entry[] {
  const entries: Entry[] = [];
  let section: string | undefined;
  let comment: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    const header = /^# ---- (.+) ----$/.exec(line);
    if (header) {
      section = header[1];
      comment = [];
    } else if (line.startsWith('#')) {
      comment.push(line.slice(1).trim());
    } else if (line === '') {
      comment = [];
    } else {
      const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
      assert.ok(match, `line ${index + 1} is KEY=value: ${raw}`);
      entries.push({ key: match[1] as string, value: match[2] as string, comment: comment.join(' '), section, line: index + 1 });
      comment = [];
    }
  });
  return entries;
}

const entries = parseTemplate(readFileSync(TEMPLATE, 'utf8'));
const schemaKeys = Object.keys(envSchema.shape).sort();

describe('config/env.gui-docker-manager.template', () => {
  it('lists exactly the variables of the config schema, once each', () => {
    const keys = entries.map((e) => e.key);
    assert.equal(new Set(keys).size, keys.length, 'no variable twice');
    assert.deepEqual([...keys].sort(), schemaKeys);
  });

  it('documents each variable with its meaning, default and allowed values, in a known section', () => {
    for (const entry of entries) {
      assert.match(entry.comment, /\S.*\. Default: .+\. Allowed: .+/, `${entry.key} (line ${entry.line})`);
      assert.ok(entry.section && SECTIONS.includes(entry.section), `${entry.key} is in one of ${SECTIONS.join(', ')}`);
    }
  });

  it('shows the schema default as the value, or leaves it empty', () => {
    for (const entry of entries) {
      if (entry.value === '') continue;
      const field = envSchema.shape[entry.key as keyof typeof envSchema.shape];
      const parsed = field.safeParse(undefined);
      assert.ok(parsed.success && parsed.data !== undefined, `${entry.key} has no default, so its value stays empty`);
      assert.equal(entry.value, String(parsed.data), `${entry.key} shows its real default`);
    }
  });

  it('states the allowed values the schema enforces: enum members and numeric ranges', () => {
    for (const entry of entries) {
      const field = envSchema.shape[entry.key as keyof typeof envSchema.shape];
      const json = z.toJSONSchema(field, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
      const allowed = /Allowed: (.+?)\.?$/.exec(entry.comment)?.[1] ?? '';
      if (Array.isArray(json['enum'])) {
        assert.deepEqual(allowed.split(/,\s*/).sort(), [...(json['enum'] as string[])].sort(), entry.key);
      }
      if (json['type'] === 'integer' || json['type'] === 'number') {
        const range = /^(\d+)-(\d+)/.exec(allowed);
        assert.ok(range, `${entry.key} states its range`);
        assert.deepEqual([Number(range[1]), Number(range[2])], [json['minimum'], json['maximum']], `${entry.key} range`);
      }
    }
  });

  it('is a configuration the manager accepts as it stands', () => {
    const env = Object.fromEntries(entries.map((e) => [e.key, e.value]));
    assert.doesNotThrow(() => loadConfig(env));
  });
});
