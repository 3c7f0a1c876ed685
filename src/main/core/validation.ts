import type { z } from 'zod';
import { variantToggles, type OperationName } from '../../shared/contract/index.js';
import { LucidError } from '../../shared/errors.js';

export interface ValidationProblem {
  path: string;
  message: string;
}

export function validationError(error: z.ZodError, what = 'input'): LucidError {
  const problems: ValidationProblem[] = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  const summary = problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ');
  return new LucidError('VALIDATION_FAILED', `invalid ${what}: ${summary}`, { problems });
}

export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error);
  return result.data;
}

/**
 * A value that selects a variant (`stream=true` streams the stats) may only be `false` on the
 * base operation: `stream=yes` must not quietly answer once, as if the caller had asked for that.
 */
export function checkVariantToggles(name: OperationName, value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  const given = value as Record<string, unknown>;
  const problems: ValidationProblem[] = variantToggles(name)
    .filter(({ key }) => given[key] !== undefined && given[key] !== 'false' && given[key] !== false)
    .map(({ key, value: selects, variant }) => ({ path: key, message: `must be false here; ${key}=${selects} is ${variant}` }));
  if (problems.length > 0) {
    const summary = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    throw new LucidError('VALIDATION_FAILED', `invalid input: ${summary}`, { problems });
  }
}
