import t from 'tap';
import type { Probe } from '../../../shared/api/schema/pod.js';
import { containerHealth } from '../../../agent/health/container-health.js';
import type { ProbeResults } from '../../../agent/health/prober.js';

const probe: Probe = { exec: { command: ['true'] } };
const both = { startupProbe: probe, readinessProbe: probe };

const rows: Array<{ name: string; spec: Parameters<typeof containerHealth>[0]; results?: ProbeResults; expect: { started: boolean; ready: boolean } }> = [
  { name: 'no probes: started and ready once running', spec: {}, expect: { started: true, ready: true } },
  { name: 'readiness probe without a result yet: not ready', spec: { readinessProbe: probe }, expect: { started: true, ready: false } },
  { name: 'readiness failing: not ready', spec: { readinessProbe: probe }, results: { startup: 'success', readiness: 'failure' }, expect: { started: true, ready: false } },
  { name: 'readiness passing: ready', spec: { readinessProbe: probe }, results: { startup: 'success', readiness: 'success' }, expect: { started: true, ready: true } },
  { name: 'startup probe without a result yet: neither started nor ready', spec: { startupProbe: probe }, expect: { started: false, ready: false } },
  { name: 'startup unknown: not started', spec: { startupProbe: probe }, results: { startup: 'unknown', readiness: 'success' }, expect: { started: false, ready: false } },
  { name: 'startup passed, no readiness probe: ready', spec: { startupProbe: probe }, results: { startup: 'success', readiness: 'success' }, expect: { started: true, ready: true } },
  { name: 'readiness cannot pass before startup', spec: both, results: { startup: 'failure', readiness: 'success' }, expect: { started: false, ready: false } },
  { name: 'both passed', spec: both, results: { startup: 'success', readiness: 'success' }, expect: { started: true, ready: true } },
  { name: 'started but readiness unknown', spec: both, results: { startup: 'success', readiness: 'unknown' }, expect: { started: true, ready: false } },
];

for (const row of rows) {
  t.test(row.name, async (t) => {
    t.same(containerHealth(row.spec, row.results), row.expect);
  });
}
