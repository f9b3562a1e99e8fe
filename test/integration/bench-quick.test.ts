/**
 * The benchmarks cannot rot (issue #10): every one of them runs end to end at its quick sizes
 * (`npm run bench -- --quick`, on the build this suite runs from) and prints its figures. No
 * figure is asserted: these machines are noisy, and the suite beside it loads this one.
 */
import { join } from 'node:path';
import t from 'tap';
import { run } from '../helpers/processes.js';
import { repoRoot } from '../helpers/repo.js';
import { BENCHES } from '../bench/registry.js';

t.test('npm run bench -- --quick: every benchmark runs and prints its figures', async (t) => {
  const started = Date.now();
  const result = await run(process.execPath, [join(repoRoot(), 'dist', 'test', 'bench', 'run.js'), '--quick'], { timeoutMs: 540_000 });
  t.comment(`quick benchmarks took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const line of result.stdout.split('\n').filter((l) => /^# [\w-]+: (\d+ figures|FAILED)/.test(l))) t.comment(line);
  t.equal(result.code, 0, `the run exits 0\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`);
  for (const name of Object.keys(BENCHES)) {
    const done = new RegExp(`^# ${name}: (\\d+) figures in`, 'm').exec(result.stdout);
    t.ok(done && Number(done[1]) > 0, `${name} printed its figures`);
  }
});
