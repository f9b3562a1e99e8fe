import type { ErrorCode } from '../../shared/errors.js';
import { isSkiffError } from '../../shared/errors.js';

interface Asserter {
  fail(message: string): void;
  pass(message: string): void;
}

/** Asserts that `promise` rejects with a SkiffError of `code`. */
export async function rejectsWithCode(t: Asserter, promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  try {
    await promise;
    t.fail(`expected a rejection with ${code}, but it resolved`);
  } catch (err) {
    if (isSkiffError(err, code)) t.pass(`rejects with ${code}`);
    else t.fail(`expected ${code}, got ${String(err)}`);
  }
}
