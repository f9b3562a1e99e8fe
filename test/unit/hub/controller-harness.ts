/**
 * Hub controllers on a real SQLite store in a temporary directory, fed by the store's change
 * events as hub/server/run.ts feeds them; `settle` waits until they are idle, every Event is
 * written and the store stops changing. Removed with the test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import type { Controller } from '../../../hub/controllers/controller.js';
import { StoreEventRecorder } from '../../../hub/events/event-recorder.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import type { Change } from '../../../hub/store/store.js';
import { createLogger } from '../../../shared/log.js';

export const silentHubLogger = createLogger('hub', 'silent');

export interface Harness {
  store: SqliteStore;
  recorder: StoreEventRecorder;
  settle(): Promise<void>;
}

export function controllerHarness(
  t: Test,
  build: (store: SqliteStore, recorder: StoreEventRecorder) => { controllers: Controller[]; listeners?: Array<{ onChange(change: Change): void }> },
): Harness & { controllers: Controller[] } {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-controllers-'));
  const store = new SqliteStore(join(dir, 'hub.db'));
  const recorder = new StoreEventRecorder(store, silentHubLogger);
  const { controllers, listeners = [] } = build(store, recorder);
  const unsubscribe = store.onChange((change) => {
    for (const c of controllers) c.onChange(change);
    for (const l of listeners) l.onChange(change);
  });
  t.teardown(async () => {
    unsubscribe();
    await Promise.all(controllers.map((c) => c.stop()));
    await recorder.flush();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const settle = async (): Promise<void> => {
    for (let round = 0; round < 100; round++) {
      const before = await store.revision();
      await Promise.all(controllers.map((c) => c.idle()));
      await recorder.flush();
      await new Promise((resolve) => setTimeout(resolve, 20));
      if ((await store.revision()) === before) return;
    }
    throw new Error('the controllers never settled');
  };
  return { store, recorder, controllers, settle };
}
