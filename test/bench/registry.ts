/**
 * Every benchmark `npm run bench` runs, by name, with its full sizes (issue #10's) and its quick
 * ones: the CI smoke run (`--quick`, test/integration/bench-quick.test.ts), which proves each
 * benchmark still runs end to end. Quick figures mean little.
 */
import { benchAgentFootprint } from './agent-footprint.js';
import { benchFleet } from './fleet.js';
import { benchHubCapacity } from './hub-capacity.js';
import { benchHubStore } from './hub-store.js';
import { benchPodLatency, FULL_POD_LATENCY, QUICK_POD_LATENCY } from './pod-latency.js';
import { benchRollout } from './rollout.js';
import { benchSchedulerThroughput } from './scheduler-throughput.js';
import { benchServiceProxy } from './service-proxy.js';
import { benchWalkthrough } from './walkthrough.js';
import { benchWireBytes } from './wire-bytes.js';

export type Bench = (quick: boolean, progress: (line: string) => void) => Promise<string[]>;

export const BENCHES: Readonly<Record<string, Bench>> = {
  walkthrough: (quick) => benchWalkthrough(quick ? 1 : 10),
  rollout: (quick) => benchRollout(quick ? 1 : 10),
  'pod-latency': (quick) => benchPodLatency(quick ? QUICK_POD_LATENCY : FULL_POD_LATENCY),
  'agent-footprint': (quick) => (quick ? benchAgentFootprint(5_000, 2_000) : benchAgentFootprint(300_000)),
  fleet: (quick, progress) =>
    benchFleet({
      nodes: quick ? 10 : 1_000,
      replicas: quick ? 5 : 300,
      losses: quick ? 1 : 9,
      shortGraceSeconds: 5,
      shortHeartbeatMs: 2_000,
      shortGraceNodes: quick ? 0 : 100,
      progress,
    }),
  'hub-capacity': (quick, progress) => benchHubCapacity({ nodes: quick ? 50 : 10_000, quick, progress }),
  'scheduler-throughput': (quick) => benchSchedulerThroughput(quick ? { nodes: 100, pods: 500, quick } : { nodes: 1_000, pods: 10_000, quick }),
  'hub-store': (quick) => benchHubStore({ pods: quick ? 2_000 : 100_000, quick }),
  'wire-bytes': (quick) => benchWireBytes({ idleSeconds: quick ? 3 : 120, quick }),
  'service-proxy': (quick) => benchServiceProxy({ quick }),
};
