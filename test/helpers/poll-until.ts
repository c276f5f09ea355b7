/**
 * Reads until `check` holds of what was read, or throws (showing the last value) once `timeoutMs` has
 * passed: replication is asynchronous, so tests wait for a state, bounded, instead of sleeping.
 * `pauseMs` between reads (none for a read that is itself slow, such as a command's process).
 */
export async function pollUntil<T>(read: () => Promise<T>, check: (value: T) => boolean, { timeoutMs, pauseMs = 0 }: { timeoutMs: number; pauseMs?: number }): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${JSON.stringify(value)}`);
    if (pauseMs > 0) await new Promise((resolve) => { setTimeout(resolve, pauseMs); });
  }
}
