import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The manager's own version, from its package.json: two levels above this file both in `src/`
 * (tests) and in `dist/` (the published package).
 */
export function packageVersion(): string {
  try {
    const raw: unknown = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    return z.object({ version: z.string() }).parse(raw).version;
  } catch {
    return 'unknown';
  }
}
