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
  /** Commented out ("# KEY=value"): documented, but not assigned when the file is an env_file. */
  commented: boolean;
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
    const commented = /^# ([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (header) {
      section = header[1];
      comment = [];
    } else if (commented) {
      const [, key, value] = commented as unknown as [string, string, string];
      entries.push({ key, value, commented: true, comment: comment.join(' '), section, line: index + 1 });
      comment = [];
    } else if (line.startsWith('#')) {
      comment.push(line.slice(1).trim());
    } else if (line === '') {
      comment = [];
    } else {
      const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
      assert.ok(match, `line ${index + 1} is KEY=value: ${raw}`);
      entries.push({ key: match[1] as string, value: match[2] as string, commented: false, comment: comment.join(' '), section, line: index + 1 });
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
    }
  });

  it('states the range of every numeric variable, and the schema enforces exactly that range', () => {
    for (const entry of entries) {
      const field = envSchema.shape[entry.key as keyof typeof envSchema.shape];
      const numeric = typeof field.safeParse(undefined).data === 'number';
      if (!numeric) continue;
      const allowed = /Allowed: (.+?)\.?$/.exec(entry.comment)?.[1] ?? '';
      const range = /^(\d+)-(\d+)\b/.exec(allowed);
      assert.ok(range, `${entry.key} states its range: ${allowed}`);
      const [low, high] = [Number(range[1]), Number(range[2])];
      assert.ok(field.safeParse(String(low)).success, `${entry.key} accepts ${low}`);
      assert.ok(field.safeParse(String(high)).success, `${entry.key} accepts ${high}`);
      assert.ok(!field.safeParse(String(high + 1)).success, `${entry.key} refuses ${high + 1}`);
      if (low > 0) assert.ok(!field.safeParse(String(low - 1)).success, `${entry.key} refuses ${low - 1}`);
    }
  });

  it('assigns only the signing key: every other line is commented out, so the image ENV stays in force', () => {
    assert.deepEqual(
      entries.filter((e) => !e.commented).map((e) => e.key),
      ['JWT_SECRET_KEY'],
    );
  });

  it('is a configuration the manager accepts as it stands, and with every line uncommented', () => {
    const active = Object.fromEntries(entries.filter((e) => !e.commented).map((e) => [e.key, e.value]));
    assert.doesNotThrow(() => loadConfig(active));
    assert.doesNotThrow(() => loadConfig(Object.fromEntries(entries.map((e) => [e.key, e.value]))));
  });
});
