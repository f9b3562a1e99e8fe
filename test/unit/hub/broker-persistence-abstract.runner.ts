/**
 * Not a tap test (tap only runs *.test.ts): the node:test program broker-persistence-abstract.test.ts
 * runs in a child process. Each test of the suite gets a fresh SqlitePersistence on its own file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SqlitePersistence } from '../../../hub/broker/sqlite-persistence.js';

const require = createRequire(import.meta.url);
const abstractPersistence = require('aedes-persistence/abstract.js') as (options: { test: typeof test; persistence: () => SqlitePersistence; testAsync: boolean }) => void;

const dir = mkdtempSync(join(tmpdir(), 'skiff-broker-abstract-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let instances = 0;

abstractPersistence({
  test,
  persistence: () => new SqlitePersistence(join(dir, `broker-${++instances}.db`)),
  testAsync: true,
});
