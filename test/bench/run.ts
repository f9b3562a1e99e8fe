/**
 * `npm run bench [-- --quick] [-- --only NAME[,NAME...]]`: runs every benchmark of registry.ts
 * (or only those named) and prints its figures with the command that produced them. Results go
 * to docs/benchmarks.md by hand, with the machine description. Never used for assertions: these
 * machines are noisy. After each benchmark a line `# NAME: N figures in S s` says it ran; a
 * benchmark that throws is reported and the run exits non-zero after the others ran.
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

const args = [quick ? '--quick' : '', only ? `--only ${only.join(',')}` : ''].filter(Boolean).join(' ');
console.log(`# skiff benchmarks (${quick ? 'quick' : 'full'}): npm run bench${args ? ` -- ${args}` : ''}`);
console.log(`# machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
let failed = 0;
for (const [name, bench] of Object.entries(BENCHES)) {
  if (only !== undefined && !only.includes(name)) continue;
  const started = performance.now();
  try {
    const lines = await bench(quick, (line) => console.error(`# ${name}: ${line}`));
    for (const line of lines) console.log(line);
    console.log(`# ${name}: ${lines.length} figures in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    failed++;
    console.log(`# ${name}: FAILED after ${((performance.now() - started) / 1000).toFixed(1)} s: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}
process.exit(failed > 0 ? 1 : 0);
