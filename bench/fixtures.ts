import { randomUUID } from 'node:crypto';
import Docker from 'dockerode';
import pLimit from 'p-limit';

export const BENCH_LABEL = 'lucid.bench.run';
export const BENCH_IMAGE = 'lucid-test-busybox:latest';
/** The bench's containers form one service group, so batch stats can be asked for exactly them. */
export const BENCH_GROUP = 'lucid-bench';

export interface Fixtures {
  runId: string;
  label: string;
  create(count: number, options?: { cmd?: string[]; nanoCpus?: number; start?: boolean }): Promise<string[]>;
  /** Refuses further creates, waits for those in flight, then removes every container of the run. */
  removeAll(): Promise<number>;
}

/**
 * Cheap containers (`--network none`, busybox sleep, SIGKILL on stop), every one labelled with
 * this run's id; only those are ever touched, and all of them are removed at the end.
 */
export function fixtures(docker: Docker): Fixtures {
  const runId = randomUUID().slice(0, 8);
  const label = `${BENCH_LABEL}=${runId}`;
  // removeAll may run while a create is under way (a signal mid-run): a container created or
  // started after its listing would outlive the run, so it waits for those calls and stops new ones.
  let removing = false;
  const inFlight = new Set<Promise<unknown>>();
  const guarded = <T>(call: () => Promise<T>): Promise<T> => {
    if (removing) return Promise.reject(new Error('the bench containers are being removed'));
    const pending = call();
    inFlight.add(pending);
    const settle = () => inFlight.delete(pending);
    pending.then(settle, settle);
    return pending;
  };
  return {
    runId,
    label,
    async create(count, options = {}) {
      return pLimit(6).map(Array.from({ length: count }, (_, i) => i), async () => {
        const container = await guarded(() => docker.createContainer({
          Image: BENCH_IMAGE,
          Cmd: options.cmd ?? ['sleep', '3600'],
          StopSignal: 'SIGKILL',
          Labels: { [BENCH_LABEL]: runId, 'lucid.service.group': BENCH_GROUP },
          HostConfig: { NetworkMode: 'none', ...(options.nanoCpus ? { NanoCpus: options.nanoCpus } : {}) },
        }));
        if (options.start) await guarded(() => container.start());
        return container.id;
      });
    },
    async removeAll() {
      removing = true;
      await Promise.allSettled([...inFlight]);
      const listed = await docker.listContainers({ all: true, filters: { label: [label] } });
      await pLimit(6).map(listed, (c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined));
      return listed.length;
    },
  };
}
