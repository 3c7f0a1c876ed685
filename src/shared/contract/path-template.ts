/**
 * The one reader of the contract's OpenAPI-style path templates (`/api/v1/containers/{id}/logs`):
 * the REST router, the OpenAPI document and the audit's target all take their parameters from here.
 */
const PARAM = /\{([A-Za-z0-9_]+)\}/g;

/** `/api/v1/containers/{id}/logs` → `['id']` */
export function pathParams(template: string): string[] {
  return [...template.matchAll(PARAM)].map((m) => m[1] as string);
}

/** `/api/v1/containers/{id}` → `/api/v1/containers/:id` */
export function expressPath(template: string): string {
  return template.replace(PARAM, ':$1');
}

/** `/api/v1/containers/{id}` with `{ id: 'web' }` → `/api/v1/containers/web` (each value URI-encoded). */
export function fillPath(template: string, values: Readonly<Record<string, unknown>>): string {
  return template.replace(PARAM, (_match, key: string) => encodeURIComponent(String(values[key])));
}
