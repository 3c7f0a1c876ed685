import { randomBytes } from 'node:crypto';
import {
  createRemoteJWKSet,
  importSPKI,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWTVerifyGetKey,
  type KeyObject,
} from 'jose';
import { z } from 'zod';
import { LucidError } from '../../shared/errors.js';
import { ROLES } from '../../shared/permissions.js';
import { CLOCK_TOLERANCE_SECONDS, type Identity } from '../core/context.js';

const claimsSchema = z.object({
  sub: z.string().min(1).max(256),
  role: z.enum(ROLES),
  exp: z.number(),
});

type VerificationKey = Uint8Array | CryptoKey | KeyObject | JWTVerifyGetKey;

export interface TokenSettings {
  audience: string;
  issuer?: string | undefined;
}

/** Verifies bearer tokens for both transports; every failure is the same UNAUTHENTICATED. */
export class TokenVerifier {
  constructor(
    private readonly key: VerificationKey,
    private readonly algorithms: string[],
    private readonly settings: TokenSettings,
  ) {}

  async verify(token: string): Promise<Identity> {
    try {
      const options = {
        algorithms: this.algorithms,
        audience: this.settings.audience,
        requiredClaims: ['exp', 'sub', 'role'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        ...(this.settings.issuer ? { issuer: this.settings.issuer } : {}),
      };
      const { payload } =
        typeof this.key === 'function'
          ? await jwtVerify(token, this.key, options)
          : await jwtVerify(token, this.key, options);
      const claims = claimsSchema.parse(payload);
      return { sub: claims.sub, role: claims.role, expiresAt: claims.exp };
    } catch {
      throw new LucidError('UNAUTHENTICATED', 'invalid or expired token');
    }
  }
}

export interface KeyConfig extends TokenSettings {
  secret?: string | undefined;
  publicKeyPem?: string | undefined;
  jwksUrl?: string | undefined;
}

/** Asymmetric keys win over the shared secret: only one algorithm family is accepted at a time. */
export async function createTokenVerifier(config: KeyConfig): Promise<TokenVerifier> {
  if (config.jwksUrl) {
    return new TokenVerifier(createRemoteJWKSet(new URL(config.jwksUrl)), ['RS256', 'ES256'], config);
  }
  if (config.publicKeyPem) {
    const algorithm = /BEGIN PUBLIC KEY/.test(config.publicKeyPem) ? await detectAlgorithm(config.publicKeyPem) : 'RS256';
    return new TokenVerifier(await importSPKI(config.publicKeyPem, algorithm), [algorithm], config);
  }
  if (config.secret) {
    return new TokenVerifier(new TextEncoder().encode(config.secret), ['HS256'], config);
  }
  throw new LucidError('INTERNAL', 'no token verification key configured');
}

async function detectAlgorithm(pem: string): Promise<'RS256' | 'ES256'> {
  try {
    await importSPKI(pem, 'RS256');
    return 'RS256';
  } catch {
    return 'ES256';
  }
}

export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

export interface MintOptions extends TokenSettings {
  secret: string;
  sub: string;
  role: Identity['role'];
  ttlSeconds: number;
}

export function mintToken(options: MintOptions): Promise<string> {
  const jwt = new SignJWT({ role: options.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.sub)
    .setAudience(options.audience)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + options.ttlSeconds);
  if (options.issuer) jwt.setIssuer(options.issuer);
  return jwt.sign(new TextEncoder().encode(options.secret));
}
