import { randomBytes } from 'node:crypto';
import {
  createRemoteJWKSet,
  errors,
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
import { hostNameSchema } from '../../shared/schemas/common.js';
import { CLOCK_TOLERANCE_SECONDS, ExpiredIdentityError, expiryMs, type Identity } from '../model/context.js';
import { VerifiedTokens } from './verified-tokens.js';

/** A subject goes into logs and audit lines: no control characters (newlines, escapes). */
export const subjectSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters');

const claimsSchema = z.object({
  sub: subjectSchema,
  role: z.enum(ROLES),
  exp: z.number(),
  /** Narrows the token to these hosts (names); absent: every host the role may use. */
  hosts: z.array(hostNameSchema).max(256).optional(),
});

type VerificationKey = Uint8Array | CryptoKey | KeyObject | JWTVerifyGetKey;

export interface TokenSettings {
  audience: string;
  issuer?: string | undefined;
}

export interface VerifySettings extends TokenSettings {
  /** A token whose `exp` lies further ahead than this is refused: no token lives for years. */
  maxTtlSeconds: number;
}

/**
 * Verifies bearer tokens for both transports; every failure is the same UNAUTHENTICATED. An
 * expired token that is otherwise good throws ExpiredIdentityError, which keeps its subject for
 * the audit trail and the rate limit.
 */
export class TokenVerifier {
  private readonly verified = new VerifiedTokens();

  constructor(
    private readonly key: VerificationKey,
    private readonly algorithms: string[],
    private readonly settings: VerifySettings,
  ) {}

  async verify(token: string): Promise<Identity> {
    const known = this.verified.get(token);
    if (known) return known;
    let identity: Identity;
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
      identity = identityOf(payload);
    } catch (err) {
      // jose checks `exp` after the signature, audience and issuer: an expired token is authentic.
      const expired = err instanceof errors.JWTExpired && err.claim === 'exp' ? claimsSchema.safeParse(err.payload) : undefined;
      if (expired?.success) throw new ExpiredIdentityError(identityOf(expired.data));
      throw new LucidError('UNAUTHENTICATED', 'invalid or expired token');
    }
    const ahead = (identity.expiresAt ?? 0) - Date.now() / 1000;
    if (ahead > this.settings.maxTtlSeconds + CLOCK_TOLERANCE_SECONDS) {
      throw new LucidError('UNAUTHENTICATED', `token lifetime exceeds ${this.settings.maxTtlSeconds} s (JWT_MAX_TTL_SECONDS)`);
    }
    this.verified.set(token, identity, expiryMs(identity) ?? 0);
    return identity;
  }
}

function identityOf(payload: unknown): Identity {
  const claims = claimsSchema.parse(payload);
  return { sub: claims.sub, role: claims.role, expiresAt: claims.exp, ...(claims.hosts ? { hosts: claims.hosts } : {}) };
}

export interface KeyConfig extends VerifySettings {
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
    let key: CryptoKey;
    try {
      key = await importSPKI(config.publicKeyPem, algorithm);
    } catch {
      throw new LucidError(
        'VALIDATION_FAILED',
        'JWT_PUBLIC_KEY: not a usable public key (expected a PEM "BEGIN PUBLIC KEY" block of an RSA or P-256 key)',
      );
    }
    return new TokenVerifier(key, [algorithm], config);
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
  /** The `hosts` claim: the token reaches only these hosts. */
  hosts?: readonly string[] | undefined;
}

export function mintToken(options: MintOptions): Promise<string> {
  const jwt = new SignJWT({ role: options.role, ...(options.hosts ? { hosts: [...options.hosts] } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.sub)
    .setAudience(options.audience)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + options.ttlSeconds);
  if (options.issuer) jwt.setIssuer(options.issuer);
  return jwt.sign(new TextEncoder().encode(options.secret));
}
