/**
 * Polls `condition` every 5 ms until it holds; fails the test after a generous deadline (not a
 * timing assertion). For in-process rigs, where state changes within milliseconds; waitFor
 * (wait.ts) is for real processes and containers.
 */
import type { Test } from 'tap';

export async function until(t: Test, what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) {
      t.fail(`timed out waiting until ${what}`);
      throw new Error(`timed out waiting until ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
