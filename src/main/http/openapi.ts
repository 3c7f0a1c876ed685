import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { declaresBody, type OperationDef } from '../../shared/contract/index.js';
import { pathParams } from '../../shared/contract/path-template.js';
import { ERROR_CODES, type ErrorCode } from '../../shared/errors.js';
import { PUBLIC, ROLES, roleHas, type OperationAccess } from '../../shared/permissions.js';
import { HTTP_STATUS } from './error-status.js';
import { sseEventNames } from './contract-route.js';
import { errorEnvelopeSchema } from './errors.js';

type JsonSchema = Record<string, unknown>;
type OperationTable = Readonly<Record<string, OperationDef>>;

export interface OpenApiOptions {
  version: string;
  /** An SPDX licence identifier (package.json's `license`). */
  license?: string;
}

const ERROR_REF = '#/components/schemas/ErrorEnvelope';
const AUTH_CODES: readonly ErrorCode[] = ['UNAUTHENTICATED', 'FORBIDDEN'];
/** An operation without body fields refuses any body before reading it (UNKNOWN_INPUT): these come only from a body read. */
const BODY_CODES: readonly ErrorCode[] = ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];

/** The namespaces before the dot of operation names, as the document's tags. */
const TAG_DESCRIPTIONS: Readonly<Record<string, string>> = {
  containers: 'Containers: list, inspect, start, stop and restart them; read and follow their logs and resource usage; watch changes',
  stats: 'Resource usage of every running container at once, from live samples',
  services: 'Service groups of the Lucid system: their members and state; start and stop them in dependency order',
  audit: 'The audit trail of control operations and refused calls',
  compose: 'Compose projects: their state; up and down',
  session: 'The caller: who the server takes it for, and which groups it may control',
  hosts: 'Hosts: the engines the manager reaches (local, SSH, mutual TLS), their state and versions',
  health: 'Probes for the container healthcheck, Kubernetes and people',
  metrics: 'Prometheus metrics',
  swarm: 'Docker Swarm, on a host whose engine is a swarm manager: nodes, services, tasks and service logs; scale, roll back, restart; node availability',
  stacks: 'Swarm stacks, whoever deployed them; deploy and remove a registered compose project as a stack',
};

const REQUEST_ID_HEADER = { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } };

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
 * One part of the input as a client should see it. Transports accept loose spellings ("10" for
 * 10, "1" for true) through union-and-pipe schemas whose input side says little; the parsed side
 * carries the meaning (integer 0–300, default 10), so each property is described by what it parses
 * to, and by its raw input only when that has no JSON Schema form. Whether a property is required
 * comes from the input side: a default makes it optional for the caller.
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
    // Public operations are not rate-limited; one with a token of its own counts refused sign-ins.
    if (op.access === PUBLIC && !op.publicUnless && code === 'RATE_LIMITED') continue;
    if (!declaresBody(op) && BODY_CODES.includes(code)) continue;
    // Only calls that forward events hold a stream slot.
    if (code === 'TOO_MANY_STREAMS' && op.events === undefined) continue;
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

function sseEvent(name: string, data: JsonSchema): JsonSchema {
  return {
    type: 'object',
    properties: { event: { type: 'string', const: name }, id: { type: 'string' }, data },
    required: ['event', 'data'],
  };
}

/**
 * The `text/event-stream` answer, described as the sequence of its events so that a client
 * generator types them: each item is one event, its `event` name and its `data` (sent as JSON).
 * `x-lucid-events` maps the same names to the data schemas.
 */
function eventStream(op: OperationDef): JsonSchema {
  const names = sseEventNames(op);
  const data: [string, JsonSchema][] = [
    [names.event, op.events ? jsonSchema(op.events, 'output') : {}],
    ['dropped', { type: 'object', properties: { dropped: { type: 'integer', minimum: 1 } }, required: ['dropped'] }],
    [names.final, jsonSchema(op.output, 'output')],
    [names.error, { $ref: ERROR_REF }],
  ];
  return {
    schema: {
      type: 'array',
      description:
        `Server-Sent Events: \`${names.event}\` events, then one \`${names.final}\` or \`${names.error}\` ` +
        `(the stream then ends). \`dropped\` says how many events a client that read too slowly lost. ` +
        'Comment lines keep the connection alive.',
      items: { oneOf: data.map(([name, schema]) => sseEvent(name, schema)) },
    },
    'x-lucid-events': Object.fromEntries(data.filter(([name]) => name !== 'dropped')),
  };
}

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: JsonSchema;
  description?: string;
}

/** One operation's own parameters and body, each from the part of its input that declares it. */
function parametersAndBody(op: OperationDef): { parameters: Parameter[]; requestBody?: JsonSchema } {
  const { parts } = op.input;
  const path = inputShape(parts.path);
  const query = inputShape(parts.query);
  const parameters: Parameter[] = [
    ...pathParams(op.path).map((key): Parameter => ({ name: key, in: 'path', required: true, schema: path.properties[key] ?? { type: 'string' } })),
    ...Object.entries(query.properties).map(([key, schema]): Parameter => ({ name: key, in: 'query', required: query.required.has(key), schema })),
  ];
  const body = inputShape(parts.body);
  const fields = Object.keys(body.properties);
  if (fields.length === 0) return { parameters };
  const required = fields.filter((key) => body.required.has(key));
  const schema = {
    type: 'object',
    properties: body.properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
  return { parameters, requestBody: { required: required.length > 0, content: { 'application/json': { schema } } } };
}

/**
 * The query parameters of a route served by several operations (`GET …/logs` and, with
 * `follow=true`, `GET …/logs` following): every one any of them declares. Where they declare
 * one differently, the document takes the union (anyOf) and each schema says when it applies; a
 * parameter is required only when every operation of the route requires it.
 */
function routeParameters(ops: OperationDef[], toggles: Set<string>): Parameter[] {
  const byName = new Map<string, Parameter[]>();
  for (const op of ops) {
    for (const parameter of parametersAndBody(op).parameters) {
      if (toggles.has(parameter.name)) continue;
      byName.set(parameter.name, [...(byName.get(parameter.name) ?? []), parameter]);
    }
  }
  return [...byName.values()].map((declared) => {
    const first = declared[0] as Parameter;
    const schemas = declared.map((p) => p.schema).filter((schema, i, all) => all.findIndex((other) => isDeepStrictEqual(other, schema)) === i);
    return {
      ...first,
      required: declared.length === ops.length && declared.every((p) => p.required),
      schema: schemas.length === 1 ? (schemas[0] as JsonSchema) : { anyOf: schemas },
    };
  });
}

/**
 * One OpenAPI operation for a route: the operation itself, plus the variants served on the same
 * route when their query values match (`GET …/logs?follow=true`), described by their selecting
 * query parameters, their event stream and `x-lucid-variants`.
 */
function buildOperation(name: string, op: OperationDef, variants: [string, OperationDef][]): JsonSchema {
  const { requestBody } = parametersAndBody(op);
  const selectors = variants.flatMap(([variantName, variant]) =>
    Object.entries(variant.variantOf?.query ?? {}).map(([key, value]) => ({ key, value, variantName, variant })),
  );
  const parameters = routeParameters([op, ...variants.map(([, variant]) => variant)], new Set(selectors.map((s) => s.key)));
  for (const { key, value, variantName, variant } of selectors) {
    // The base operation takes `false` (or no value) for the same key: both are documented.
    const schema = value === 'true' ? { type: 'boolean', default: false } : { type: 'string', enum: [value] };
    parameters.push({ name: key, in: 'query', required: false, schema, description: `${key}=${value}: ${variant.summary} (\`${variantName}\`)` });
  }
  const content: JsonSchema = {};
  const mediaType = op.produces ?? 'application/json';
  if (!op.subscription) content[mediaType] = { schema: jsonSchema(op.output, 'output') };
  if (op.events) content['text/event-stream'] = eventStream(op);
  const lines = [describeAccess(op)];
  for (const [variantName, variant] of variants) {
    const query = Object.entries(variant.variantOf?.query ?? {}).map(([key, value]) => `${key}=${value}`).join('&');
    lines.push(`With \`${query}\`: ${variant.summary} (\`${variantName}\`). ${describeAccess(variant)}`);
    if (variant.events && !content['text/event-stream']) content['text/event-stream'] = eventStream(variant);
  }

  const responses: JsonSchema = { '200': { description: op.summary, headers: REQUEST_ID_HEADER, content } };
  for (const [status] of errorStatuses(op)) responses[String(status)] = { $ref: `#/components/responses/Error${status}` };
  if (op.statusWhen) {
    // The same status may also carry an error envelope (a 503 DOCKER_UNAVAILABLE, say).
    responses[String(op.statusWhen.status)] = {
      description: `${op.summary}: the answer itself, when it reports a problem; or an error envelope`,
      headers: REQUEST_ID_HEADER,
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
        headers: {
          ...REQUEST_ID_HEADER,
          ...(codes.includes('UNAUTHENTICATED') ? { 'WWW-Authenticate': { schema: { type: 'string', const: 'Bearer' } } } : {}),
          ...(codes.includes('RATE_LIMITED') ? RATE_LIMIT_HEADERS : {}),
        },
      },
    ]),
  );
}

const RATE_LIMIT_HEADERS = {
  'Retry-After': { description: 'Seconds until the budget that ran out is refilled (RFC 9110)', schema: { type: 'integer', minimum: 1 } },
  'RateLimit-Policy': {
    description: 'The budget that ran out, as an IETF RateLimit-Policy structured field: `"read";q=100;w=60`',
    schema: { type: 'string' },
  },
  RateLimit: {
    description: 'Its state, as an IETF RateLimit structured field: `"read";r=0;t=42` (none left, refilled in t seconds)',
    schema: { type: 'string' },
  },
};

const HEADERS = {
  'X-Request-Id': {
    description: "The request's id: the client's own `X-Request-Id` when it sent a sane one (`^[A-Za-z0-9._-]{1,64}$`), else the server's",
    schema: { type: 'string' },
  },
};

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
  const tags = [...new Set(Object.keys(table).map((name) => name.split('.')[0] as string))].map((name) => ({
    name,
    ...(TAG_DESCRIPTIONS[name] ? { description: TAG_DESCRIPTIONS[name] } : {}),
  }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Lucid GUI Docker Manager',
      version: options.version,
      description:
        'Manages the Docker containers of the Lucid system. Generated from the operation contract; ' +
        'the Electron IPC bridge serves the same operations.\n\n' +
        'Each input is read only where an operation declares it (path, query or JSON body); any other ' +
        'query parameter or body field is refused with 400 `UNKNOWN_INPUT`, and so is any body sent to an ' +
        'operation that declares none (every GET, `POST /api/v1/containers/{id}/start`), before it is read. ' +
        'Every answer carries `X-Request-Id`, `Cache-Control: no-store` and `X-Content-Type-Options: nosniff`.',
      ...(options.license ? { license: { name: options.license, identifier: options.license } } : {}),
    },
    servers: [{ url: '/', description: 'The server that serves this document' }],
    tags,
    paths,
    components: {
      schemas: { ErrorEnvelope: jsonSchema(errorEnvelopeSchema, 'output') },
      responses: errorResponses(),
      headers: HEADERS,
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
}
