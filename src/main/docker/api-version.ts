/** The oldest Engine API the manager supports: Engine 20.10, what Debian bookworm ships. */
export const MIN_API_VERSION = '1.41';

/** Compares dotted API versions numerically ("1.9" < "1.41"); a malformed one counts as 0. */
export function compareApiVersions(a: string, b: string): number {
  const parts = (v: string) => v.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : 0));
  const left = parts(a);
  const right = parts(b);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const diff = (left[i] ?? 0) - (right[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

export function isSupportedApi(apiVersion: string): boolean {
  return compareApiVersions(apiVersion, MIN_API_VERSION) >= 0;
}
