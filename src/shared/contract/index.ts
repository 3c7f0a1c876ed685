import type { z } from 'zod';
import { auditOperations } from './audit.js';
import { composeOperations } from './compose.js';
import { containerOperations } from './containers.js';
import type { OperationDef } from './define.js';
import { liveOperations } from './live.js';
import { serviceOperations } from './services.js';
import { systemOperations } from './system.js';

export type { HttpMethod, OperationDef, OperationKind } from './define.js';

/** The one table both transports are generated from. */
export const operations = {
  ...containerOperations,
  ...liveOperations,
  ...serviceOperations,
  ...auditOperations,
  ...composeOperations,
  ...systemOperations,
};

export type Operations = typeof operations;
export type OperationName = keyof Operations;
export type OperationInput<N extends OperationName> = z.input<Operations[N]['input']>;
export type ParsedInput<N extends OperationName> = z.output<Operations[N]['input']>;
export type OperationOutput<N extends OperationName> = z.output<Operations[N]['output']>;

export const operationNames = Object.keys(operations) as OperationName[];

export function getOperation(name: OperationName): OperationDef {
  return operations[name];
}
