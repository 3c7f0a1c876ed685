import { z } from 'zod';
import type { OperationDef } from '../../shared/contract/index.js';
import { ERROR_CODES, type ErrorCode } from '../../shared/errors.js';
import { PUBLIC, ROLES, roleHas, type OperationAccess } from '../../shared/permissions.js';
import { HTTP_STATUS } from './error-status.js';
import { sseEventNames } from './contract-route.js';
import { errorEnvelopeSchema } from './errors.js';

type JsonSchema = Record<string, unknown>;
type OperationTable = Readonly<Record<string, OperationDef>>;

export interface OpenApiOptions {
  version: string;
}

const ERROR_REF = '#/components/schemas/ErrorEnvelope';
const AUTH_CODES: readonly ErrorCode[] = ['UNAUTHENTICATED', 'FORBIDDEN'];
const BODY_CODES: readonly ErrorCode[] = ['PAYLOAD_TOO_LARGE'];

/** `/api/v1/containers/{id}/logs` → `['id']` */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1] as string);
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function isEmpty(schema: JsonSchema | undefined): boolean {
  return schema === undefined || Object.keys(schema).length === 0;
}

interface InputShape {
  properties: Record<string, JsonSchema>;
  required: Set<string>;
}

/**
 * The input as a client should see it. Transports accept loose spellings ("10" for 10, "1" for
 * true) through union-and-pipe schemas whose input side says little; the parsed side carries the
 * meaning (integer 0–300, default 10), so each property is described by what it parses to, and
 * by its raw input only when that has no JSON Schema form. Whether a property is required comes
 * from the input side: a default makes it optional for the caller.
 */
function inputShape(schema: z.ZodType): InputShape {
  const input = jsonSchema(schema, 'input');
  const output = jsonSchema(schema, 'output');
  const inProps = (input['properties'] ?? {}) as Record<string, JsonSchema>;
  const outProps = (output['properties'] ?? {}) as Record<string, JsonSchema>;
  const properties = Object.fromEntries(
    Object.entries(inProps).map(([key, raw]) => [key, isEmpty(outProps[key]) ? raw : (outProps[key] as JsonSchema)]),
  );
  return { properties, required: new Set((input['required'] ?? []) as string[]) };
}

function rolesFor(access: OperationAccess): string[] {
  return access === PUBLIC ? [] : ROLES.filter((role) => roleHas(role, access));
}

/** Every error status an operation can answer, with the codes behind each, from the one table. */
function errorStatuses(op: OperationDef): Map<number, ErrorCode[]> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of ERROR_CODES) {
    if (code === 'ROUTE_NOT_FOUND') continue;
    if (op.access === PUBLIC && AUTH_CODES.includes(code) && !(op.publicUnless && code === 'UNAUTHENTICATED')) continue;
    if (op.method === 'GET' && BODY_CODES.includes(code)) continue;
    const status = HTTP_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return new Map([...byStatus].sort(([a], [b]) => a - b));
}

function describeAccess(op: OperationDef): string {
  if (op.access === PUBLIC && op.publicUnless) return `Public unless ${op.publicUnless}: then it needs a bearer token.`;
  if (op.access === PUBLIC) return 'Public: no token needed.';
  return `Needs a bearer token whose role has \`${op.access}\` (${rolesFor(op.access).join(', ')}).`;
}

/** `{}` is OpenAPI's "no credentials": listed beside bearerAuth it makes the token optional. */
function security(op: OperationDef): JsonSchema[] {
  if (op.access !== PUBLIC) return [{ bearerAuth: [] }];
  return op.publicUnless ? [{}, { bearerAuth: [] }] : [];
}

/** The `text/event-stream` answer: which events come, with the schema of each one's data. */
function eventStream(op: OperationDef): JsonSchema {
  const names = sseEventNames(op);
  return {
    schema: { type: 'string', description: `Server-Sent Events: \`${names.event}\` events, then \`${names.final}\` or \`${names.error}\`.` },
    'x-lucid-events': {
      [names.event]: op.events ? jsonSchema(op.events, 'output') : {},
      [names.final]: jsonSchema(op.output, 'output'),
      [names.error]: { $ref: ERROR_REF },
    },
  };
}

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: JsonSchema;
  description?: string;
}

function parametersAndBody(op: OperationDef): { parameters: Parameter[]; requestBody?: JsonSchema } {
  const { properties, required } = inputShape(op.input);
  const inPath = new Set(pathParams(op.path));
  const parameters: Parameter[] = [...inPath].map((key) => ({
    name: key,
    in: 'path',
    required: true,
    schema: properties[key] ?? { type: 'string' },
  }));
  const rest = Object.entries(properties).filter(([key]) => !inPath.has(key));
  if (op.method === 'GET') {
    for (const [key, schema] of rest) parameters.push({ name: key, in: 'query', required: required.has(key), schema });
    return { parameters };
  }
  if (rest.length === 0) return { parameters };
  const bodyRequired = rest.map(([key]) => key).filter((key) => required.has(key));
  const schema = { type: 'object', properties: Object.fromEntries(rest), ...(bodyRequired.length > 0 ? { required: bodyRequired } : {}) };
  return { parameters, requestBody: { required: bodyRequired.length > 0, content: { 'application/json': { schema } } } };
}

/**
 * One OpenAPI operation for a route: the operation itself, plus the variants served on the same
 * route when their query values match (`GET …/logs?follow=true`), described by their selecting
 * query parameters, their event stream and `x-lucid-variants`.
 */
function buildOperation(name: string, op: OperationDef, variants: [string, OperationDef][]): JsonSchema {
  const { parameters, requestBody } = parametersAndBody(op);
  const content: JsonSchema = {};
  const mediaType = op.produces ?? 'application/json';
  if (!op.subscription) content[mediaType] = { schema: jsonSchema(op.output, 'output') };
  if (op.events) content['text/event-stream'] = eventStream(op);
  const lines = [describeAccess(op)];
  for (const [variantName, variant] of variants) {
    const selector = Object.entries(variant.variantOf?.query ?? {});
    for (const [key, value] of selector) {
      if (parameters.some((p) => p.name === key)) continue;
      parameters.push({ name: key, in: 'query', required: false, schema: { type: 'string', enum: [value] }, description: variant.summary });
    }
    const query = selector.map(([key, value]) => `${key}=${value}`).join('&');
    lines.push(`With \`${query}\`: ${variant.summary} (\`${variantName}\`). ${describeAccess(variant)}`);
    if (variant.events && !content['text/event-stream']) content['text/event-stream'] = eventStream(variant);
  }

  const responses: JsonSchema = { '200': { description: op.summary, content } };
  for (const [status] of errorStatuses(op)) responses[String(status)] = { $ref: `#/components/responses/Error${status}` };
  if (op.statusWhen) {
    // The same status may also carry an error envelope (a 503 DOCKER_UNAVAILABLE, say).
    responses[String(op.statusWhen.status)] = {
      description: `${op.summary}: the answer itself, when it reports a problem; or an error envelope`,
      content: { [mediaType]: { schema: { anyOf: [jsonSchema(op.output, 'output'), { $ref: ERROR_REF }] } } },
    };
  }

  return {
    operationId: name,
    summary: op.summary,
    description: lines.join('\n\n'),
    tags: [name.split('.')[0]],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
    security: security(op),
    'x-lucid-operation': name,
    'x-lucid-kind': op.kind,
    'x-lucid-permission': op.access,
    'x-lucid-roles': rolesFor(op.access),
    ...(op.subscription ? { 'x-lucid-subscription': true } : {}),
    ...(variants.length > 0
      ? {
          'x-lucid-variants': variants.map(([variantName, variant]) => ({
            operation: variantName,
            query: variant.variantOf?.query,
            permission: variant.access,
            roles: rolesFor(variant.access),
            subscription: variant.subscription === true,
            parameters: parametersAndBody(variant).parameters,
          })),
        }
      : {}),
  };
}

function errorResponses(): JsonSchema {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of ERROR_CODES) byStatus.set(HTTP_STATUS[code], [...(byStatus.get(HTTP_STATUS[code]) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, codes]) => [
      `Error${status}`,
      {
        description: `Error envelope; \`error.code\` is one of ${codes.map((c) => `\`${c}\``).join(', ')}.`,
        content: { 'application/json': { schema: { $ref: ERROR_REF } } },
        ...(codes.includes('UNAUTHENTICATED')
          ? { headers: { 'WWW-Authenticate': { schema: { type: 'string', const: 'Bearer' } } } }
          : {}),
      },
    ]),
  );
}

/** The OpenAPI 3.1 document of the REST transport, generated from the operation table. */
export function buildOpenApiDocument(table: OperationTable, options: OpenApiOptions): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const entries = Object.entries(table);
  for (const [name, op] of entries) {
    if (op.variantOf) continue;
    const variants = entries.filter(([, other]) => other.variantOf?.operation === name);
    paths[op.path] ??= {};
    (paths[op.path] as Record<string, JsonSchema>)[op.method.toLowerCase()] = buildOperation(name, op, variants);
  }
  const tags = [...new Set(Object.keys(table).map((name) => name.split('.')[0] as string))].map((name) => ({ name }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Lucid GUI Docker Manager',
      version: options.version,
      description:
        'Manages the Docker containers of the Lucid system. Generated from the operation contract; ' +
        'the Electron IPC bridge serves the same operations.',
    },
    tags,
    paths,
    components: {
      schemas: { ErrorEnvelope: jsonSchema(errorEnvelopeSchema, 'output') },
      responses: errorResponses(),
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
}
