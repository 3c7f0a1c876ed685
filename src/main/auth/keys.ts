import { LucidError } from '../../shared/errors.js';
import type { Config } from '../config/env.js';
import { isLoopbackHost } from '../config/loopback.js';
import { generateSecret, type KeyConfig } from './tokens.js';

export interface ResolvedKeys extends KeyConfig {
  /** True when no key was configured and a throwaway one was made for this development run. */
  generated: boolean;
}

/**
 * No key, no access: production refuses to start without one; development makes a random key
 * that lives as long as the process, so nothing predictable ever verifies — but only while the
 * server listens on loopback: a key nobody configured must not guard a port others can reach.
 */
export function resolveKeys(config: Config): ResolvedKeys {
  const base = { audience: config.JWT_AUDIENCE, issuer: config.JWT_ISSUER, maxTtlSeconds: config.JWT_MAX_TTL_SECONDS };
  if (config.JWT_SECRET_KEY || config.JWT_PUBLIC_KEY || config.JWT_JWKS_URL) {
    return {
      ...base,
      secret: config.JWT_SECRET_KEY,
      publicKeyPem: config.JWT_PUBLIC_KEY,
      jwksUrl: config.JWT_JWKS_URL,
      generated: false,
    };
  }
  if (config.LUCID_ENV === 'production') {
    throw new LucidError(
      'VALIDATION_FAILED',
      'JWT_SECRET_KEY (or JWT_PUBLIC_KEY / JWT_JWKS_URL) must be set when LUCID_ENV=production',
    );
  }
  if (!isLoopbackHost(config.HOST)) {
    throw new LucidError(
      'VALIDATION_FAILED',
      `JWT_SECRET_KEY (or JWT_PUBLIC_KEY / JWT_JWKS_URL) must be set when HOST=${config.HOST} is not a loopback address; ` +
        'a throwaway development key is made only for HOST=127.0.0.1, ::1 or localhost',
    );
  }
  return { ...base, secret: generateSecret(), generated: true };
}

/** Keys that are set but not used: the operator probably expects them to count. */
export function ignoredKeyWarnings(config: Config): string[] {
  const warnings: string[] = [];
  const asymmetric = config.JWT_JWKS_URL ? 'JWT_JWKS_URL' : config.JWT_PUBLIC_KEY ? 'JWT_PUBLIC_KEY' : undefined;
  if (asymmetric && config.JWT_SECRET_KEY) {
    warnings.push(`JWT_SECRET_KEY is ignored: ${asymmetric} is set, so only RS256/ES256 tokens are accepted (no HS256)`);
  }
  if (config.JWT_JWKS_URL && config.JWT_PUBLIC_KEY) {
    warnings.push('JWT_PUBLIC_KEY is ignored: JWT_JWKS_URL is set and its keys are used instead');
  }
  return warnings;
}
