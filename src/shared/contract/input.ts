import { z } from 'zod';

/**
 * Where a REST caller puts each input: in the path, the query string or the JSON body. IPC callers
 * pass one object, the union of the parts; the same names, the same rules.
 */
export const INPUT_LOCATIONS = ['path', 'query', 'body'] as const;
export type InputLocation = (typeof INPUT_LOCATIONS)[number];

type Shape = z.core.$ZodLooseShape;
type Part<S extends Shape> = z.ZodObject<z.core.util.Writeable<S>, z.core.$strict>;

export interface InputParts<P extends Shape = Shape, Q extends Shape = Shape, B extends Shape = Shape> {
  readonly path: Part<P>;
  readonly query: Part<Q>;
  readonly body: Part<B>;
}

/**
 * An operation's input: one strict object (unknown fields are refused) over the union of its
 * parts, carrying the parts so that REST reads each field only where it is declared and the
 * OpenAPI document describes each part where it belongs.
 */
export type OperationInputSchema<P extends Shape = Shape, Q extends Shape = Shape, B extends Shape = Shape> = z.ZodObject<
  z.core.util.Writeable<P & Q & B>,
  z.core.$strict
> & { readonly parts: InputParts<P, Q, B> };

/** A rule across fields that JSON Schema cannot state (since ≤ until): the field it blames and why. */
export type InputCheck<O> = (input: O) => { path: string; message: string } | undefined;

/** The default of a part left out: it declares nothing (not "any shape"). */
type None = Record<never, never>;

/**
 * Declares an operation's input part by part. Field names must not repeat across parts: IPC
 * callers name them in one object.
 */
export function defineInput<P extends Shape = None, Q extends Shape = None, B extends Shape = None>(
  declared: { path?: P; query?: Q; body?: B },
  check?: InputCheck<z.output<z.ZodObject<z.core.util.Writeable<P & Q & B>, z.core.$strict>>>,
): OperationInputSchema<P, Q, B> {
  const path = (declared.path ?? {}) as P;
  const query = (declared.query ?? {}) as Q;
  const body = (declared.body ?? {}) as B;
  const names = [...Object.keys(path), ...Object.keys(query), ...Object.keys(body)];
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) throw new Error(`input field "${repeated}" is declared in two parts`);
  const parts: InputParts<P, Q, B> = { path: z.strictObject(path), query: z.strictObject(query), body: z.strictObject(body) };
  let whole = z.strictObject({ ...path, ...query, ...body } as P & Q & B);
  if (check) {
    whole = whole.superRefine((value, ctx) => {
      const problem = check(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: [problem.path] });
    });
  }
  return Object.assign(whole, { parts });
}

/** The part that declares `field`, if any. */
export function locationOf(parts: InputParts, field: string): InputLocation | undefined {
  return INPUT_LOCATIONS.find((location) => Object.hasOwn(parts[location].shape, field));
}
