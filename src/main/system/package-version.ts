import { readFileSync } from 'node:fs';
import { z } from 'zod';

const packageJsonSchema = z.object({ version: z.string(), license: z.string().optional() });

/**
 * The manager's own version and licence, from its package.json: two levels above this file both
 * in `src/` (tests) and in `dist/` (the published package).
 */
export function packageInfo(): z.infer<typeof packageJsonSchema> {
  try {
    const raw: unknown = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    return packageJsonSchema.parse(raw);
  } catch {
    return { version: 'unknown' };
  }
}

export function packageVersion(): string {
  return packageInfo().version;
}
