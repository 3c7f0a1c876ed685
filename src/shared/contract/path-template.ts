/**
 * The one reader of the contract's OpenAPI-style path templates (`/api/v1/containers/{id}/logs`):
 * the REST routes, the OpenAPI document and the audit's target all take their parameters from here.
 */
const PARAM = /\{([A-Za-z0-9_]+)\}/g;

/** `/api/v1/containers/{id}/logs` → `['id']` */
export function pathParams(template: string): string[] {
  return [...template.matchAll(PARAM)].map((m) => m[1] as string);
}

/** `/api/v1/containers/{id}` with `{ id: 'web' }` → `/api/v1/containers/web` (each value URI-encoded). */
export function fillPath(template: string, values: Readonly<Record<string, unknown>>): string {
  return template.replace(PARAM, (_match, key: string) => encodeURIComponent(String(values[key])));
}

/**
 * A template as a matcher of request paths, the way Express matched them: case-insensitive, one
 * trailing slash allowed, each parameter one non-empty segment (captured raw, still encoded).
 */
export function pathMatcher(template: string): RegExp {
  const pattern = template
    .split(PARAM)
    .map((part, index) => (index % 2 === 1 ? '([^/]+?)' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${pattern}/?$`, 'i');
}
