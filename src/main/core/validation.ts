import type { z } from 'zod';
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
