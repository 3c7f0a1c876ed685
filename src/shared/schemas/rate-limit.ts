import { z } from 'zod';

/**
 * `details` of a RATE_LIMITED error, on both transports. REST also turns it into `Retry-After`
 * and the IETF `RateLimit` / `RateLimit-Policy` headers.
 */
export const rateLimitDetailsSchema = z.object({
  /** Which budget ran out: reads and control operations are counted apart. */
  policy: z.enum(['read', 'control']),
  limit: z.number().int().positive(),
  windowSeconds: z.number().int().positive(),
  retryAfterSeconds: z.number().int().positive(),
});
export type RateLimitDetails = z.infer<typeof rateLimitDetailsSchema>;
