import { z } from 'zod';

/**
 * The parts of Docker's swarm answers (`/nodes`, `/services`, `/tasks`) the manager reads. A
 * service's `Spec` is kept whole (loose): an update sends the spec back, and a field this schema
 * does not name must not be lost on the way.
 */
const labels = z.record(z.string(), z.string()).nullish();

export const rawNodeSchema = z.object({
  ID: z.string(),
  Version: z.object({ Index: z.number().int() }),
  Spec: z.looseObject({
    Role: z.string().optional(),
    Availability: z.string().optional(),
    Labels: labels,
  }),
  Description: z
    .object({
      Hostname: z.string().optional(),
      Engine: z.object({ EngineVersion: z.string().optional() }).nullish(),
    })
    .nullish(),
  Status: z.object({ State: z.string().optional(), Addr: z.string().optional() }).nullish(),
  ManagerStatus: z.object({ Leader: z.boolean().optional(), Addr: z.string().optional() }).nullish(),
});
export type RawNode = z.infer<typeof rawNodeSchema>;
export const rawNodeListSchema = z.array(rawNodeSchema);

export const rawServiceSchema = z.object({
  ID: z.string(),
  Version: z.object({ Index: z.number().int() }),
  UpdatedAt: z.string().optional(),
  Spec: z.looseObject({
    Name: z.string(),
    Labels: labels,
    TaskTemplate: z
      .looseObject({
        ContainerSpec: z.looseObject({ Image: z.string().optional() }).nullish(),
        ForceUpdate: z.number().int().optional(),
      })
      .optional(),
    Mode: z
      .looseObject({
        Replicated: z.looseObject({ Replicas: z.number().int().optional() }).nullish(),
        Global: z.looseObject({}).nullish(),
      })
      .optional(),
  }),
  PreviousSpec: z.looseObject({}).nullish(),
  Endpoint: z
    .object({
      Ports: z
        .array(
          z.object({
            Protocol: z.string().optional(),
            TargetPort: z.number().int().optional(),
            PublishedPort: z.number().int().optional(),
            PublishMode: z.string().optional(),
          }),
        )
        .nullish(),
    })
    .nullish(),
  UpdateStatus: z.object({ State: z.string().optional(), Message: z.string().optional() }).nullish(),
  ServiceStatus: z.object({ RunningTasks: z.number().int(), DesiredTasks: z.number().int() }).nullish(),
});
export type RawService = z.infer<typeof rawServiceSchema>;
export const rawServiceListSchema = z.array(rawServiceSchema);

export const rawTaskSchema = z.object({
  ID: z.string(),
  ServiceID: z.string(),
  NodeID: z.string().optional(),
  Slot: z.number().int().optional(),
  UpdatedAt: z.string().optional(),
  DesiredState: z.string().optional(),
  Status: z
    .object({
      State: z.string().optional(),
      Message: z.string().optional(),
      Err: z.string().optional(),
      ContainerStatus: z.object({ ContainerID: z.string().optional() }).nullish(),
    })
    .optional(),
});
export type RawTask = z.infer<typeof rawTaskSchema>;
export const rawTaskListSchema = z.array(rawTaskSchema);

/** What a stack's leftovers are named by: its networks (`GET /networks`). */
export const rawNetworkListSchema = z.array(z.object({ Id: z.string(), Name: z.string() }));

/** The stack label `docker stack deploy` puts on everything it creates. */
export const STACK_LABEL = 'com.docker.stack.namespace';
