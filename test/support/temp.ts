import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory removed when the test process ends, also after a failure. */
export function tempDir(prefix = 'lucid-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Each manager under test writes its own audit trail, never the user's state directory. */
export function tempAuditPath(): string {
  return join(tempDir('lucid-audit-'), 'audit.log');
}
