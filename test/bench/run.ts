/**
 * `npm run bench [-- --quick] [-- --only NAME]`: runs every benchmark (or only the one named:
 * walkthrough, rollout, fleet, agent-footprint, service-proxy) and prints its figures with the command that produced them.
 * Results go to docs/benchmarks.md by hand, with the machine description.
 * Never used for assertions: these machines are noisy.
 */
import { cpus, totalmem } from 'node:os';
import { benchAgentFootprint } from './agent-footprint.js';
import { benchFleet } from './fleet.js';
import { benchRollout } from './rollout.js';
import { benchServiceProxy } from './service-proxy.js';
import { benchWalkthrough } from './walkthrough.js';

const quick = process.argv.includes('--quick');
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex >= 0 ? process.argv[onlyIndex + 1] : undefined;
const iterations = quick ? 2 : 10;
const benches: Record<string, () => Promise<string[]>> = {
  walkthrough: () => benchWalkthrough(iterations),
  rollout: () => benchRollout(iterations),
  'agent-footprint': () => benchAgentFootprint(quick ? 60_000 : 300_000),
  fleet: () =>
    benchFleet({
      nodes: 1_000,
      replicas: 300,
      losses: quick ? 3 : 9,
      shortGraceSeconds: 5,
      shortHeartbeatMs: 2_000,
      shortGraceNodes: 100,
      progress: (line) => console.error(`# fleet: ${line}`),
    }),
  'service-proxy': () => benchServiceProxy({ quick }),
};
if (only !== undefined && !(only in benches)) {
  console.error(`unknown benchmark ${JSON.stringify(only)}; one of: ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}

const args = [quick ? '--quick' : '', only ? `--only ${only}` : ''].filter(Boolean).join(' ');
console.log(`# skiff benchmarks (${quick ? 'quick' : 'full'}): npm run bench${args ? ` -- ${args}` : ''}`);
console.log(`# machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
for (const [name, bench] of Object.entries(benches)) {
  if (only !== undefined && name !== only) continue;
  for (const line of await bench()) console.log(line);
}
