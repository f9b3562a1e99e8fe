/**
 * `npm run bench [-- --quick] [-- --only NAME[,NAME...]] [-- --jobs N]`: runs every benchmark of
 * registry.ts (or only those named) and prints its figures with the command that produced them.
 * Results go to docs/benchmarks.md by hand, with the machine description. Never used for
 * assertions: these machines are noisy. After each benchmark a line `# NAME: N figures in S s`
 * says it ran; a benchmark that throws is reported and the run exits non-zero after the others ran.
 *
 * The full run measures one benchmark at a time (--jobs 1): each one's figures are its own. The
 * smoke run (--quick) only proves every benchmark still runs, and most of its time is waiting
 * (idle windows, grace periods), so it runs three at a time; each one's figures are printed
 * together when it ends.
 */
import { cpus, totalmem } from 'node:os';
import { BENCHES } from './registry.js';

const quick = process.argv.includes('--quick');
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex >= 0 ? (process.argv[onlyIndex + 1] ?? '').split(',') : undefined;
const unknown = (only ?? []).filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.map((n) => JSON.stringify(n)).join(', ')}; one of: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}

const jobsIndex = process.argv.indexOf('--jobs');
const jobs = jobsIndex >= 0 ? Number(process.argv[jobsIndex + 1]) : quick ? 3 : 1;
if (!Number.isInteger(jobs) || jobs < 1) {
  console.error(`--jobs needs a whole number of at least 1, got ${JSON.stringify(process.argv[jobsIndex + 1])}`);
  process.exit(2);
}

const args = [quick ? '--quick' : '', only ? `--only ${only.join(',')}` : '', jobsIndex >= 0 ? `--jobs ${jobs}` : ''].filter(Boolean).join(' ');
console.log(`# skiff benchmarks (${quick ? 'quick' : 'full'}): npm run bench${args ? ` -- ${args}` : ''}`);
console.log(`# machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
const queue = Object.entries(BENCHES).filter(([name]) => only === undefined || only.includes(name));
let failed = 0;
async function runNext(): Promise<void> {
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const [name, bench] = next;
    const started = performance.now();
    try {
      const lines = await bench(quick, (line) => console.error(`# ${name}: ${line}`));
      console.log([...lines, `# ${name}: ${lines.length} figures in ${((performance.now() - started) / 1000).toFixed(1)} s`].join('\n'));
    } catch (err) {
      failed++;
      console.log(`# ${name}: FAILED after ${((performance.now() - started) / 1000).toFixed(1)} s: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }
}
await Promise.all(Array.from({ length: jobs }, runNext));
process.exit(failed > 0 ? 1 : 0);
