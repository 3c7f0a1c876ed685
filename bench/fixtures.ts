import { randomUUID } from 'node:crypto';
import Docker from 'dockerode';
import { mapLimit } from '../src/main/state/map-limit.js';

export const BENCH_LABEL = 'lucid.bench.run';
export const BENCH_IMAGE = 'lucid-test-busybox:latest';
/** The bench's containers form one service group, so batch stats can be asked for exactly them. */
export const BENCH_GROUP = 'lucid-bench';

export interface Fixtures {
  runId: string;
  label: string;
  create(count: number, options?: { cmd?: string[]; nanoCpus?: number; start?: boolean }): Promise<string[]>;
  start(ids: string[]): Promise<void>;
  removeAll(): Promise<number>;
}

/**
 * Cheap containers (`--network none`, busybox sleep, SIGKILL on stop), every one labelled with
 * this run's id; only those are ever touched, and all of them are removed at the end.
 */
export function fixtures(docker: Docker): Fixtures {
  const runId = randomUUID().slice(0, 8);
  const label = `${BENCH_LABEL}=${runId}`;
  return {
    runId,
    label,
    async create(count, options = {}) {
      return mapLimit(Array.from({ length: count }, (_, i) => i), 6, async () => {
        const container = await docker.createContainer({
          Image: BENCH_IMAGE,
          Cmd: options.cmd ?? ['sleep', '3600'],
          StopSignal: 'SIGKILL',
          Labels: { [BENCH_LABEL]: runId, 'lucid.service.group': BENCH_GROUP },
          HostConfig: { NetworkMode: 'none', ...(options.nanoCpus ? { NanoCpus: options.nanoCpus } : {}) },
        });
        if (options.start) await container.start();
        return container.id;
      });
    },
    async start(ids) {
      await mapLimit(ids, 6, (id) => docker.getContainer(id).start());
    },
    async removeAll() {
      const listed = await docker.listContainers({ all: true, filters: { label: [label] } });
      await mapLimit(listed, 6, (c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined));
      return listed.length;
    },
  };
}
