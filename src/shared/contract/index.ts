import type { z } from 'zod';
import { auditOperations } from './audit.js';
import { composeOperations } from './compose.js';
import { containerOperations } from './containers.js';
import type { OperationDef } from './define.js';
import { hostOperations } from './hosts.js';
import { sessionOperations } from './session.js';
import { liveOperations } from './live.js';
import type { ManifestOperationName } from './manifest.js';
import { serviceOperations } from './services.js';
import { swarmOperations } from './swarm.js';
import { systemOperations } from './system.js';

export type { HttpMethod, OperationDef, OperationKind } from './define.js';

/** The one table both transports are generated from; the preload's manifest names the same operations. */
export const operations = {
  ...containerOperations,
  ...liveOperations,
  ...serviceOperations,
  ...auditOperations,
  ...composeOperations,
  ...systemOperations,
  ...hostOperations,
  ...sessionOperations,
  ...swarmOperations,
} satisfies Record<ManifestOperationName, OperationDef>;

export type Operations = typeof operations;
export type OperationName = keyof Operations;
export type OperationInput<N extends OperationName> = z.input<Operations[N]['input']>;
export type ParsedInput<N extends OperationName> = z.output<Operations[N]['input']>;
export type OperationOutput<N extends OperationName> = z.output<Operations[N]['output']>;

export const operationNames = Object.keys(operations) as OperationName[];

export function getOperation(name: OperationName): OperationDef {
  return operations[name];
}

/** Whether REST callers may send a JSON body: the operation declares body fields. */
export function declaresBody(op: OperationDef): boolean {
  return Object.keys(op.input.parts.body.shape).length > 0;
}

type Toggle = { key: string; value: string; variant: OperationName };

const toggles = new Map<OperationName, Toggle[]>();
for (const variant of operationNames) {
  const of = getOperation(variant).variantOf;
  if (!of) continue;
  const base = of.operation as OperationName;
  toggles.set(base, [...(toggles.get(base) ?? []), ...Object.entries(of.query).map(([key, value]) => ({ key, value, variant }))]);
}

/**
 * The query values that select a variant of `name` on its REST route (`follow: 'true'` for
 * `containers.logs`), with the variant they select.
 */
export function variantToggles(name: OperationName): readonly Toggle[] {
  return toggles.get(name) ?? [];
}
