/** The members of a port that a lazily built adapter can stand in for: async methods only. */
type AsyncMethods<T> = { [K in keyof T]: T[K] extends (...args: never[]) => Promise<unknown> ? T[K] : never };

/**
 * An adapter imported and built on its first call rather than at start-up, so its SDK
 * (@solana/web3.js, spl-token, @jup-ag/api: ~0.3 s and ~20 MB) is loaded only by a process that uses it.
 * `methods` names every member of the port (the compiler checks the list is complete); each one
 * awaits the adapter, then calls it. A failed import is retried on the next call.
 */
export function lazyAdapter<T extends AsyncMethods<T>>(load: () => Promise<T>, methods: { [K in keyof T]-?: true }): T {
  let made: Promise<T> | undefined;
  const adapter = (): Promise<T> =>
    (made ??= load().catch((e: unknown) => {
      made = undefined;
      throw e;
    }));
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(methods)) {
    out[name] = async (...args: unknown[]) => {
      const a = (await adapter()) as Record<string, (...args: unknown[]) => Promise<unknown>>;
      return a[name]!(...args);
    };
  }
  return out as T;
}
