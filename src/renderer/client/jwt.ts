/**
 * Reads a JWT's claims without verifying it. Only for what the page offers (which buttons, when
 * the session ends): the server verifies the token on every call and decides.
 */
export interface Claims {
  sub: string;
  role: string;
  exp: number | null;
  /** The hosts the token is narrowed to; absent: every host the role may use. */
  hosts?: string[];
}

export function readClaims(token: string): Claims | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
    const claims = JSON.parse(json) as Record<string, unknown>;
    if (typeof claims['sub'] !== 'string' || typeof claims['role'] !== 'string') return undefined;
    const hosts = claims['hosts'];
    return {
      sub: claims['sub'],
      role: claims['role'],
      exp: typeof claims['exp'] === 'number' ? claims['exp'] : null,
      ...(Array.isArray(hosts) && hosts.every((h) => typeof h === 'string') ? { hosts: hosts as string[] } : {}),
    };
  } catch {
    return undefined;
  }
}
