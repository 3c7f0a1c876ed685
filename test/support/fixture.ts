import { after, before, type TestContext } from 'node:test';

/** What a test opens and must close again: a server, an IPC harness, a client. */
export interface Closable {
  close(): Promise<void> | void;
}

/** Environment for a fixture, or a function that makes it once earlier hooks have run. */
export type EnvSource = Record<string, string> | (() => Record<string, string>);

export const envOf = (env: EnvSource): Record<string, string> => (typeof env === 'function' ? env() : env);

/**
 * Opens `open()` before the tests of the enclosing describe block (or file) and closes it after
 * them, also when a test or a hook failed. Hooks run in the order they are declared, so what a
 * `before` declared earlier made (the engine check, containers the env names) is there when
 * `open` runs. The stand-in returned forwards to the opened value, so tests use it as they
 * would the value itself; touching it before it is open is a mistake it names.
 */
export function suiteFixture<T extends Closable>(what: string, open: () => Promise<T>): T {
  let value: T | undefined;
  before(async () => {
    value = await open();
  });
  after(async () => {
    const opened = value;
    value = undefined;
    await opened?.close();
  });
  return new Proxy({} as T & object, {
    get(_target, key) {
      if (value === undefined) {
        // Awaiting or inspecting the stand-in must not throw.
        if (key === 'then' || typeof key === 'symbol') return undefined;
        throw new Error(`the ${what} is not open: use it in a test or a hook declared after it`);
      }
      const member = Reflect.get(value, key, value);
      return typeof member === 'function' ? member.bind(value) : member;
    },
  });
}

/** Binds `value` to one test: closed when that test ends, pass or fail. */
export function closeWithTest<T extends Closable>(t: TestContext | undefined, value: T): T {
  t?.after(async () => {
    await value.close();
  });
  return value;
}
