/**
 * Every benchmark `npm run bench` runs, by name, with its full sizes (issue #10's) and its quick
 * ones: the CI smoke run (`--quick`, test/integration/bench-quick.test.ts), which proves each
 * benchmark still runs end to end. Quick figures mean little.
 */
import { benchAgentChurn } from './agent-churn.js';
import { benchAgentFootprint } from './agent-footprint.js';
import { benchFleet, DEFAULT_FLEET_TIMING, type FleetTiming } from './fleet.js';
import { benchHubCapacity } from './hub-capacity.js';
import { benchHubStore } from './hub-store.js';
import { benchPodLatency, FULL_POD_LATENCY, QUICK_POD_LATENCY } from './pod-latency.js';
import { benchRollout } from './rollout.js';
import { benchSchedulerThroughput } from './scheduler-throughput.js';
import { benchServiceProxy } from './service-proxy.js';
import { benchWalkthrough } from './walkthrough.js';
import { benchWireBytes } from './wire-bytes.js';

/** The smoke run's fleet: a short grace period, so that waiting for a hung node takes seconds. */
const QUICK_FLEET_TIMING: FleetTiming = { graceSeconds: 3, heartbeatMs: 1_000, blipMs: 1_000 };

export type Bench = (quick: boolean, progress: (line: string) => void) => Promise<string[]>;

// Longest first: the smoke run's three lanes end together.
export const BENCHES: Readonly<Record<string, Bench>> = {
  'pod-latency': (quick) => benchPodLatency(quick ? QUICK_POD_LATENCY : FULL_POD_LATENCY),
  'wire-bytes': (quick) => benchWireBytes({ idleSeconds: quick ? 2 : 120, quick }),
  'agent-footprint': (quick) => (quick ? benchAgentFootprint(3_000, 1_000, 3) : benchAgentFootprint(300_000)),
  rollout: (quick) => (quick ? benchRollout(1, 1) : benchRollout(10)),
  walkthrough: (quick) => benchWalkthrough(quick ? 1 : 10),
  fleet: (quick, progress) =>
    benchFleet({
      nodes: quick ? 10 : 1_000,
      replicas: quick ? 5 : 300,
      losses: quick ? 1 : 9,
      timing: quick ? QUICK_FLEET_TIMING : DEFAULT_FLEET_TIMING,
      shortGrace: quick ? undefined : { nodes: 100, timing: { graceSeconds: 5, heartbeatMs: 2_000, blipMs: 2_000 } },
      progress,
    }),
  // An hour of churn in the full run, 10 Pods up and down every minute; the smoke run does one cycle of 3 Pods.
  'agent-churn': (quick, progress) => benchAgentChurn({ durationMs: quick ? 0 : 3_600_000, pods: quick ? 3 : 10, cycleMs: quick ? 0 : 60_000, progress }),
  'hub-capacity': (quick, progress) => benchHubCapacity({ nodes: quick ? 50 : 10_000, quick, progress }),
  'hub-store': (quick) => benchHubStore({ pods: quick ? 2_000 : 100_000, quick }),
  'service-proxy': (quick) => benchServiceProxy({ quick }),
  'scheduler-throughput': (quick) => benchSchedulerThroughput(quick ? { nodes: 100, pods: 500, quick } : { nodes: 1_000, pods: 10_000, quick }),
};
