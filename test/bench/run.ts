/**
 * `npm run bench [-- --quick]`: runs every benchmark and prints its figures with the command
 * that produced them. Results go to docs/benchmarks.md by hand, with the machine description.
 * Never used for assertions: these machines are noisy.
 */
import { cpus, totalmem } from 'node:os';
import { benchRollout } from './rollout.js';
import { benchWalkthrough } from './walkthrough.js';

const quick = process.argv.includes('--quick');
const iterations = quick ? 2 : 10;

console.log(`# skiff benchmarks (${quick ? 'quick' : 'full'}): npm run bench${quick ? ' -- --quick' : ''}`);
console.log(`# machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
for (const line of await benchWalkthrough(iterations)) console.log(line);
for (const line of await benchRollout(iterations)) console.log(line);
