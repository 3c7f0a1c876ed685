import { parse } from 'yaml';
import { z } from 'zod';
import { LucidError } from '../../shared/errors.js';
import { requireUsable, type ComposeRegistry } from '../compose/registry.js';

/** A service as a stack's compose files declare it: its replicas (null for a global service) and what it depends on. */
export interface DeclaredService {
  name: string;
  replicas: number | null;
  dependsOn: string[];
}

const serviceSchema = z.looseObject({
  depends_on: z.union([z.array(z.string()), z.record(z.string(), z.unknown())]).optional(),
  deploy: z
    .looseObject({
      mode: z.string().optional(),
      replicas: z.number().int().min(0).optional(),
    })
    .nullish(),
});
const fileSchema = z.looseObject({ services: z.record(z.string(), serviceSchema.nullish()).optional() });

/**
 * The services a registered project's files declare, merged as compose merges them (a later file
 * overrides an earlier one's keys): what a stack group starts, and the replicas it scales back to.
 * The files are read through the registry's checks (inside the projects folder, just now).
 */
export async function declaredServices(registry: ComposeRegistry, project: string): Promise<DeclaredService[]> {
  const usable = requireUsable(await registry.find(project));
  const opened = await registry.open(usable);
  const merged = new Map<string, z.infer<typeof serviceSchema>>();
  try {
    for (const [i, handle] of opened.handles.entries()) {
      const parsed = fileSchema.safeParse(parse(await handle.readFile('utf8')));
      if (!parsed.success) {
        throw new LucidError('VALIDATION_FAILED', `compose project ${project}: ${usable.files[i] ?? 'a file'} is not a compose file the stack can use`);
      }
      for (const [name, service] of Object.entries(parsed.data.services ?? {})) {
        const before = merged.get(name) ?? {};
        merged.set(name, { ...before, ...(service ?? {}), deploy: { ...before.deploy, ...service?.deploy } });
      }
    }
  } catch (err) {
    if (err instanceof LucidError) throw err;
    throw new LucidError('VALIDATION_FAILED', `compose project ${project}: its files cannot be read as YAML`);
  } finally {
    await opened.close();
  }
  const names = new Set(merged.keys());
  return [...merged].map(([name, service]) => {
    const deps = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
    return {
      name,
      replicas: service.deploy?.mode === 'global' ? null : (service.deploy?.replicas ?? 1),
      dependsOn: deps.filter((dep) => names.has(dep)),
    };
  });
}
