/**
 * Polls until a condition holds or a deadline passes; the clock and sleep are injected so
 * tests run it without waiting (style.md lesson 9).
 */
export interface PollOptions {
  timeoutMs: number;
  intervalMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves true once `done()` does, false if the deadline passes first. */
export async function pollUntil(done: () => Promise<boolean>, options: PollOptions): Promise<boolean> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const interval = options.intervalMs ?? 500;
  const deadline = now() + options.timeoutMs;
  for (;;) {
    if (await done()) return true;
    const left = deadline - now();
    if (left <= 0) return false;
    await sleep(Math.min(interval, left));
  }
}
