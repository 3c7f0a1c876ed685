/**
 * Reads a JWT's claims without verifying it. Only for what the page offers (which buttons, when
 * the session ends): the server verifies the token on every call and decides.
 */
export interface Claims {
  sub: string;
  role: string;
  exp: number | null;
}

export function readClaims(token: string): Claims | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
    const claims = JSON.parse(json) as Record<string, unknown>;
    if (typeof claims['sub'] !== 'string' || typeof claims['role'] !== 'string') return undefined;
    return { sub: claims['sub'], role: claims['role'], exp: typeof claims['exp'] === 'number' ? claims['exp'] : null };
  } catch {
    return undefined;
  }
}
