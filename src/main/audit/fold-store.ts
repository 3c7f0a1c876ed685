import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { z } from 'zod';
import { auditEntrySchema } from '../../shared/schemas/audit.js';

/** An open fold window of the recorder: its first line was written, `count` repeats were not (yet). */
export const foldWindowSchema = z.object({
  key: z.string(),
  windowEndsMs: z.number(),
  first: auditEntrySchema,
  last: auditEntrySchema,
  operations: z.array(z.string()),
  count: z.number().int().nonnegative(),
});
export type FoldWindow = z.infer<typeof foldWindowSchema>;

const foldFileSchema = z.object({ windows: z.array(foldWindowSchema) });

/** `audit.log` → `audit.folds.json`, beside the trail in its private directory. */
export function foldStorePath(trailPath: string): string {
  const ext = extname(trailPath);
  return `${ext === '' ? trailPath : trailPath.slice(0, -ext.length)}.folds.json`;
}

/**
 * Where the recorder keeps the counts of refusals it folds, so that a `kill -9` does not lose
 * them: the next start writes their summaries. Each save replaces the file whole (written beside
 * it, then renamed), so a crash mid-save leaves the previous state, never half of one.
 */
export class FoldStore {
  private failing = false;

  constructor(
    readonly path: string,
    /** A failed save, reported once until one works again: counts may then be lost in a crash. */
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Never throws: the counts still reach the trail when the process ends normally. */
  save(windows: FoldWindow[]): void {
    try {
      if (windows.length === 0) {
        rmSync(this.path, { force: true });
      } else {
        const next = `${this.path}.next`;
        writeFileSync(next, JSON.stringify({ windows }), { mode: 0o600 });
        renameSync(next, this.path);
      }
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.onError(err);
      this.failing = true;
    }
  }

  /** The windows a previous run left; none when there is no readable state. */
  load(): FoldWindow[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return [];
    }
    try {
      const parsed = foldFileSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data.windows : [];
    } catch {
      return [];
    }
  }
}
