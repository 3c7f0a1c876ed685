import type { z } from 'zod';
import { getOperation, variantToggles, type OperationName } from '../../shared/contract/index.js';
import { locationOf, type InputLocation } from '../../shared/contract/input.js';
import { LucidError } from '../../shared/errors.js';
import { BOOLEAN_MESSAGE, isBooleanText } from '../../shared/schemas/common.js';

export interface ValidationProblem {
  path: string;
  message: string;
  /** REST: where the field was sent (path, query or body). */
  location?: InputLocation;
}

function validationError(error: z.ZodError, what = 'input'): LucidError {
  const problems: ValidationProblem[] = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  return new LucidError('VALIDATION_FAILED', `invalid ${what}: ${summary(problems)}`, { problems });
}

function summary(problems: readonly ValidationProblem[]): string {
  return problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ');
}

function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error);
  return result.data;
}

/**
 * A REST request's input as it arrived, part by part, so that the core can refuse a field sent
 * anywhere but where the operation declares it (`?dryRun=true` on a POST whose body takes it).
 */
export class LocatedInput {
  constructor(
    readonly path: Readonly<Record<string, unknown>>,
    readonly query: Readonly<Record<string, unknown>>,
    /** The parsed JSON body; undefined when none was sent. */
    readonly body: unknown,
  ) {}
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const toggleKeySets = new Map<OperationName, ReadonlySet<string>>();

/** Query keys that select another operation on this one's route (`follow` on containers.logs). */
function toggleKeys(name: OperationName): ReadonlySet<string> {
  let keys = toggleKeySets.get(name);
  if (keys === undefined) {
    keys = new Set(variantToggles(name).map(({ key }) => key));
    toggleKeySets.set(name, keys);
  }
  return keys;
}

/**
 * One object for the operation's schema, and the fields it does not declare where they came:
 * from REST, each part must hold only its own fields; from IPC, any declared field goes.
 */
function assemble(name: OperationName, raw: unknown): { value: unknown; undeclared: ValidationProblem[] } {
  const { parts } = getOperation(name).input;
  const toggles = toggleKeys(name);
  const undeclared: ValidationProblem[] = [];
  const unknownField = (path: string, location?: InputLocation): ValidationProblem => ({
    path,
    message: `not an input of ${name}`,
    ...(location ? { location } : {}),
  });
  if (!(raw instanceof LocatedInput)) {
    if (!isPlainObject(raw)) return { value: raw ?? {}, undeclared };
    for (const key of Object.keys(raw)) {
      if (!toggles.has(key) && locationOf(parts, key) === undefined) undeclared.push(unknownField(key));
    }
    return { value: raw, undeclared };
  }
  if (raw.body !== undefined && !isPlainObject(raw.body)) {
    throw new LucidError('VALIDATION_FAILED', 'JSON body must be an object');
  }
  const body = raw.body ?? {};
  const sent: [InputLocation, Readonly<Record<string, unknown>>][] = [
    ['path', raw.path],
    ['query', raw.query],
    ['body', body],
  ];
  for (const [location, fields] of sent) {
    for (const key of Object.keys(fields)) {
      if (location === 'query' && toggles.has(key)) continue;
      const declared = locationOf(parts, key);
      if (declared === location) continue;
      undeclared.push(
        declared === undefined ? unknownField(key, location) : { path: key, location, message: `belongs in the ${declared}` },
      );
    }
  }
  return { value: { ...raw.query, ...body, ...raw.path }, undeclared };
}

/**
 * A value that selects a variant (`stream=true` streams the stats) may only be `false` on the
 * base operation: `stream=yes` must not quietly answer once, as if the caller had asked for that.
 * Returns the input without those keys, which the base operation's own schema does not declare.
 */
function withoutToggles(name: OperationName, value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const toggles = variantToggles(name);
  const problems: ValidationProblem[] = toggles
    .filter(({ key }) => value[key] !== undefined && value[key] !== 'false' && value[key] !== false)
    .map(({ key, value: selects, variant }) => ({
      path: key,
      message: isBooleanText(value[key]) ? `must be false here; ${key}=${selects} is ${variant}` : BOOLEAN_MESSAGE,
    }));
  if (problems.length > 0) throw new LucidError('VALIDATION_FAILED', `invalid input: ${summary(problems)}`, { problems });
  if (toggles.length === 0) return value;
  const rest = { ...value };
  for (const { key } of toggles) delete rest[key];
  return rest;
}

/**
 * The one input check of both transports: fields the operation does not declare (or, on REST,
 * does not declare where they were sent) are refused as UNKNOWN_INPUT before anything is parsed;
 * then the operation's schema parses the union.
 */
export function parseOperationInput(name: OperationName, raw: unknown): unknown {
  const empty = isEmptyInput(raw);
  if (empty && emptyInputs.has(name)) return emptyInputs.get(name);
  const { value, undeclared } = assemble(name, raw);
  if (undeclared.length > 0) {
    const where = (p: ValidationProblem) => (p.location ? `${p.location} ${p.path}` : p.path);
    const text = undeclared.map((p) => `${where(p)}: ${p.message}`).join('; ');
    throw new LucidError('UNKNOWN_INPUT', `undeclared input: ${text}`, { problems: undeclared });
  }
  const parsed = parseInput(getOperation(name).input, withoutToggles(name, value));
  if (empty) emptyInputs.set(name, deepFreeze(parsed));
  return parsed;
}

/**
 * The parsed input of each operation called with no input at all: the schema's answer to nothing
 * never changes, and the most frequent calls (a list, a probe) send nothing. Frozen, as it is
 * handed to every such call.
 */
const emptyInputs = new Map<OperationName, unknown>();

function hasNoKeys(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  for (const _key in value) return false;
  return true;
}

function isEmptyInput(raw: unknown): boolean {
  if (raw instanceof LocatedInput) return raw.body === undefined && hasNoKeys(raw.path) && hasNoKeys(raw.query);
  return raw === undefined || hasNoKeys(raw);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** The parsed input, or undefined when it would be refused; never throws. */
export function parsedInputOrUndefined(name: OperationName, raw: unknown): unknown {
  try {
    return parseOperationInput(name, raw);
  } catch {
    return undefined;
  }
}
