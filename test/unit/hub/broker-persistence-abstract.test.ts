/**
 * The broker's SQLite persistence against aedes-persistence's own abstract suite (the contract
 * every aedes persistence must pass: retained, subscriptions, outgoing, incoming, wills). The
 * suite is written for node:test, so it runs in a child `node --test` process whose exit code
 * and counts this tap test asserts.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { repoRoot } from '../../helpers/repo.js';

const runner = join(repoRoot(), 'test', 'unit', 'hub', 'broker-persistence-abstract.runner.ts');

t.test('SqlitePersistence passes the aedes-persistence abstract suite', async (t) => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', runner], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  const output = `${result.stdout}${result.stderr}`;
  const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? -1);
  if (result.status !== 0) t.comment(output.split('\n').filter((line) => /not ok|error|Error|expected|actual/.test(line)).slice(0, 60).join('\n'));
  t.equal(result.status, 0, 'node --test exits 0');
  t.ok(count('tests') >= 50, `the whole suite ran (${count('tests')} tests)`);
  t.equal(count('fail'), 0, 'no test failed');
  t.equal(count('cancelled'), 0, 'no test was cancelled');
});
