/**
 * `npm run bench [-- --quick] [-- --only NAME[,NAME...]] [-- --jobs N]`: runs every benchmark of
 * registry.ts (or only those named) and prints its figures with the command that produced them.
 * Results go to docs/benchmarks.md by hand, with the machine description. Never used for
 * assertions: these machines are noisy. After each benchmark a line `# NAME: N figures in S s`
 * says it ran; a benchmark that throws is reported and the run exits non-zero after the others ran.
 *
 * The full run measures one benchmark at a time (--jobs 1): each one's figures are its own. The
 * smoke run (--quick) only proves every benchmark still runs, and most of its time is waiting
 * (idle windows, grace periods), so it runs three at a time, each in a process of its own; each
 * one's figures are printed together when it ends.
 */
import { spawn } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCHES } from './registry.js';

const usage = 'usage: npm run bench [-- --quick] [-- --only NAME[,NAME...]] [-- --jobs N]';
const parsed = (() => {
  try {
    return parseArgs({ options: { quick: { type: 'boolean' }, only: { type: 'string' }, jobs: { type: 'string' }, 'no-header': { type: 'boolean' } } }).values;
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${usage}`);
    process.exit(2);
  }
})();
const quick = parsed.quick === true;
const only = parsed.only?.split(',');
const unknown = (only ?? []).filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  console.error(`--only: unknown benchmark ${unknown.map((n) => JSON.stringify(n)).join(', ')}; one of: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
const jobs = parsed.jobs === undefined ? (quick ? 3 : 1) : Number(parsed.jobs);
if (!Number.isInteger(jobs) || jobs < 1) {
  console.error(`--jobs needs a whole number of at least 1, got ${JSON.stringify(parsed.jobs)}\n${usage}`);
  process.exit(2);
}

if (parsed['no-header'] !== true) {
  const args = [quick ? '--quick' : '', only ? `--only ${only.join(',')}` : '', parsed.jobs !== undefined ? `--jobs ${jobs}` : ''].filter(Boolean).join(' ');
  console.log(`# skiff benchmarks (${quick ? 'quick' : 'full'}): npm run bench${args ? ` -- ${args}` : ''}`);
  console.log(`# machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
}

const seconds = (since: number): string => ((performance.now() - since) / 1000).toFixed(1);

/** One benchmark in this process: its figures, then the line that says it ran. */
async function runHere(name: string): Promise<boolean> {
  const started = performance.now();
  try {
    const lines = await BENCHES[name]!(quick, (line) => console.error(`# ${name}: ${line}`));
    console.log([...lines, `# ${name}: ${lines.length} figures in ${seconds(started)} s`].join('\n'));
    return true;
  } catch (err) {
    console.log(`# ${name}: FAILED after ${seconds(started)} s: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return false;
  }
}

/**
 * One benchmark in a process of its own, so that what it measures of its own process (CPU per
 * request, event-loop delays) is not another benchmark's; its figures are printed together.
 */
async function runApart(name: string): Promise<boolean> {
  const started = performance.now();
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--only', name, '--jobs', '1', '--no-header', ...(quick ? ['--quick'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0 && !out.includes(`# ${name}: FAILED`)) out += `# ${name}: FAILED after ${seconds(started)} s: its process exited with ${code}\n`;
  process.stdout.write(out);
  return code === 0;
}

const queue = Object.keys(BENCHES).filter((name) => only === undefined || only.includes(name));
let failed = 0;
async function lane(): Promise<void> {
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) if (!(await (jobs === 1 ? runHere(name) : runApart(name)))) failed++;
}
await Promise.all(Array.from({ length: jobs }, lane));
process.exit(failed > 0 ? 1 : 0);
