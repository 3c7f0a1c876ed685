import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
import Docker from 'dockerode';

/** Every container a test run creates carries this label, and only those are ever removed. */
export const TEST_LABEL = 'lucid.test.run';
export const RUN_ID = randomUUID();
export const TEST_IMAGE = 'lucid-test-busybox:latest';

export const docker = new Docker({ socketPath: '/var/run/docker.sock' });

/** Fails loudly: an integration test never skips because the engine is missing. */
export async function requireEngine(): Promise<void> {
  try {
    await docker.ping();
    await docker.getImage(TEST_IMAGE).inspect();
  } catch (err) {
    throw new Error(
      `the test engine is not ready (${String(err)}): run "bash scripts/test-engine.sh" as root first`,
    );
  }
}

export interface TestContainerSpec {
  name?: string;
  cmd: string[];
  tty?: boolean;
  labels?: Record<string, string>;
  start?: boolean;
  healthCmd?: string;
  healthIntervalMs?: number;
  /** `local` keeps raw bytes; json-file replaces a character cut at its 16 KiB split with U+FFFD. */
  logDriver?: 'json-file' | 'local';
  /** A named volume bind, `NAME:/path[:ro]`; the volume is removed with the container. */
  volume?: string;
  tmpfs?: string;
  /** SIGKILL unless a test needs to see the stop grace period at work. */
  stopSignal?: string;
  /** The engine to create it on (a private one); default the shared engine. */
  engine?: Docker;
}

export async function createTestContainer(spec: TestContainerSpec): Promise<Docker.Container> {
  const name = spec.name ?? `lucid-test-${RUN_ID.slice(0, 8)}-${randomUUID().slice(0, 8)}`;
  const container = await (spec.engine ?? docker).createContainer({
    name,
    Image: TEST_IMAGE,
    Cmd: spec.cmd,
    Tty: spec.tty ?? false,
    Labels: { [TEST_LABEL]: RUN_ID, ...spec.labels },
    StopSignal: spec.stopSignal ?? 'SIGKILL',
    HostConfig: {
      NetworkMode: 'none',
      ...(spec.logDriver ? { LogConfig: { Type: spec.logDriver, Config: {} } } : {}),
      ...(spec.volume ? { Binds: [spec.volume] } : {}),
      ...(spec.tmpfs ? { Tmpfs: { [spec.tmpfs]: '' } } : {}),
    },
    ...(spec.healthCmd
      ? {
          Healthcheck: {
            Test: ['CMD-SHELL', spec.healthCmd],
            Interval: (spec.healthIntervalMs ?? 200) * 1e6,
            Timeout: 1e9,
            Retries: 1,
            StartPeriod: 0,
          },
        }
      : {}),
  });
  if (spec.start ?? true) await container.start();
  return container;
}

/** A long-running container that ends at once on stop (SIGKILL), so tests do not wait 10 s. */
export function sleeper(labels: Record<string, string> = {}, start = true): Promise<Docker.Container> {
  return createTestContainer({ cmd: ['sleep', '3600'], labels, start });
}

export async function stateOf(container: Docker.Container): Promise<string> {
  return (await container.inspect()).State.Status;
}

const volumePrefix = `lucid-test-vol-${RUN_ID.slice(0, 8)}-`;

/** A volume name this run owns: removed by `removeRunContainers`. */
export function testVolumeName(): string {
  return `${volumePrefix}${randomUUID().slice(0, 8)}`;
}

/** Removes this run's containers; called from `after` hooks so it also runs when a test failed. */
export async function removeRunContainers(): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=${RUN_ID}`] } });
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
  const volumes = await docker.listVolumes({ filters: { name: [volumePrefix] } });
  await Promise.all((volumes.Volumes ?? []).map((v) => docker.getVolume(v.Name).remove().catch(() => undefined)));
}

/**
 * For the enclosing describe block (or file): the engine is required before its tests, and this
 * run's containers are removed after them, also when one failed. Declared first, it runs before
 * the fixtures' hooks, and removes the containers before they close.
 */
export function useEngine(): void {
  before(requireEngine);
  after(removeRunContainers);
}
