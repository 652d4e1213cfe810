/**
 * Runs `work`, and after a failure waits delaysMs[i] and runs it again, as long as delays remain and
 * `shouldRetry` allows; then the last error is thrown. For the short, local retries of a database
 * write (a restart, a pool timeout); remote calls use the adapters' resilience policies instead.
 */
export async function withRetries<T>(
  work: () => Promise<T>,
  delaysMs: readonly number[],
  opts: { onRetry?: (err: unknown, attempt: number) => void; shouldRetry?: () => boolean } = {},
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= delaysMs.length || opts.shouldRetry?.() === false) throw err;
      opts.onRetry?.(err, attempt + 1);
      await new Promise((r) => setTimeout(r, delaysMs[attempt]));
    }
  }
}
