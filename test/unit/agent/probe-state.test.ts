import t from 'tap';
import { PROBE_KINDS, type ProbeKind } from '../../../agent/health/probe-spec.js';
import { initialProbeState, nextProbeState, type ProbeOutcome, type ProbeResult, type ProbeState } from '../../../agent/health/probe-state.js';
import { pick, randomInt, seededRandom } from '../../helpers/seeded-random.js';

/** 's' and 'f' for outcomes; the published result as 'S', 'F' or 'U', with '!' once on hold. */
const outcomeOf = (c: string): ProbeOutcome => (c === 's' ? 'success' : 'failure');
const letter = (s: ProbeState): string => ({ success: 'S', failure: 'F', unknown: 'U' })[s.result] + (s.onHold ? '!' : '');

function run(kind: ProbeKind, outcomes: string, successThreshold: number, failureThreshold: number): string {
  let state = initialProbeState(kind);
  const seen: string[] = [];
  for (const c of outcomes) {
    state = nextProbeState(state, outcomeOf(c), kind, { successThreshold, failureThreshold });
    seen.push(letter(state));
  }
  return seen.join(' ');
}

t.test('initial results are kubelet worker initial values', async (t) => {
  // worker.go: readiness initialValue Failure, liveness Success, startup Unknown.
  const expected: Record<ProbeKind, ProbeResult> = { readiness: 'failure', liveness: 'success', startup: 'unknown' };
  for (const kind of PROBE_KINDS) {
    t.same(initialProbeState(kind), { result: expected[kind], lastOutcome: 'unknown', run: 0, onHold: false }, kind);
  }
});

interface Row {
  name: string;
  kind: ProbeKind;
  thresholds: [success: number, failure: number];
  outcomes: string;
  expect: string;
}

const rows: Row[] = [
  { name: 'readiness becomes ready after one success (default threshold 1)', kind: 'readiness', thresholds: [1, 3], outcomes: 's', expect: 'S' },
  { name: 'readiness needs successThreshold consecutive successes', kind: 'readiness', thresholds: [3, 3], outcomes: 'sss', expect: 'F F S' },
  { name: 'a failure between successes restarts the success run', kind: 'readiness', thresholds: [2, 3], outcomes: 'sfss', expect: 'F F F S' },
  { name: 'ready goes unready only after failureThreshold consecutive failures', kind: 'readiness', thresholds: [1, 3], outcomes: 'sfff', expect: 'S S S F' },
  { name: 'a success between failures restarts the failure run', kind: 'readiness', thresholds: [1, 3], outcomes: 'sffsfff', expect: 'S S S S S S F' },
  { name: 'readiness failures never put the worker on hold: it keeps flipping', kind: 'readiness', thresholds: [1, 1], outcomes: 'fsfs', expect: 'F S F S' },
  { name: 'failures past the threshold keep readiness failed without hold', kind: 'readiness', thresholds: [1, 2], outcomes: 'sffff', expect: 'S S F F F' },
  { name: 'liveness stays Success below the failure threshold', kind: 'liveness', thresholds: [1, 3], outcomes: 'ff', expect: 'S S' },
  { name: 'liveness fails at the threshold and goes on hold', kind: 'liveness', thresholds: [1, 3], outcomes: 'fff', expect: 'S S F!' },
  { name: 'liveness: alternation never reaches the threshold', kind: 'liveness', thresholds: [1, 2], outcomes: 'fsfsfs', expect: 'S S S S S S' },
  { name: 'liveness on hold ignores later successes', kind: 'liveness', thresholds: [1, 1], outcomes: 'fss', expect: 'F! F! F!' },
  { name: 'startup stays Unknown until an outcome crosses a threshold', kind: 'startup', thresholds: [1, 3], outcomes: 'ffs', expect: 'U U S' },
  { name: 'startup failing failureThreshold times goes on hold', kind: 'startup', thresholds: [1, 2], outcomes: 'ffsf', expect: 'U F! F! F!' },
  { name: 'startup success is published at once with threshold 1', kind: 'startup', thresholds: [1, 30], outcomes: 'fffs', expect: 'U U U S' },
];

for (const row of rows) {
  t.test(row.name, async (t) => {
    t.equal(run(row.kind, row.outcomes, ...row.thresholds), row.expect);
  });
}

t.test('the run counts consecutive equal outcomes and resets on alternation', async (t) => {
  const timing = { successThreshold: 5, failureThreshold: 5 };
  let s = initialProbeState('readiness');
  s = nextProbeState(s, 'success', 'readiness', timing);
  s = nextProbeState(s, 'success', 'readiness', timing);
  t.same({ last: s.lastOutcome, run: s.run }, { last: 'success', run: 2 });
  s = nextProbeState(s, 'failure', 'readiness', timing);
  t.same({ last: s.lastOutcome, run: s.run }, { last: 'failure', run: 1 });
});

t.test('on hold the state is returned unchanged, whatever comes', async (t) => {
  const timing = { successThreshold: 1, failureThreshold: 1 };
  const held = nextProbeState(initialProbeState('liveness'), 'failure', 'liveness', timing);
  t.same(held, { result: 'failure', lastOutcome: 'failure', run: 0, onHold: true });
  t.equal(nextProbeState(held, 'success', 'liveness', timing), held);
  t.equal(nextProbeState(held, 'failure', 'liveness', timing), held);
});

t.test('nextProbeState does not mutate its input', async (t) => {
  const before = initialProbeState('readiness');
  const copy = { ...before };
  nextProbeState(before, 'success', 'readiness', { successThreshold: 1, failureThreshold: 1 });
  t.same(before, copy);
});

/**
 * A direct transcription of kubelet's worker.doProbe bookkeeping (pkg/kubelet/prober/worker.go),
 * written independently of the implementation: the published result only changes at a
 * threshold; a liveness or startup failure at the threshold puts the worker on hold.
 */
class ReferenceWorker {
  published: ProbeResult;
  private lastResult: ProbeResult | 'none' = 'none';
  private resultRun = 0;
  onHold = false;

  constructor(
    private readonly kind: ProbeKind,
    private readonly successThreshold: number,
    private readonly failureThreshold: number,
  ) {
    this.published = kind === 'readiness' ? 'failure' : kind === 'liveness' ? 'success' : 'unknown';
  }

  probe(result: ProbeOutcome): void {
    if (this.onHold) return;
    if (this.lastResult === result) this.resultRun++;
    else {
      this.lastResult = result;
      this.resultRun = 1;
    }
    if ((result === 'failure' && this.resultRun < this.failureThreshold) || (result === 'success' && this.resultRun < this.successThreshold)) return;
    this.published = result;
    if ((this.kind === 'liveness' || this.kind === 'startup') && result === 'failure') {
      this.onHold = true;
      this.resultRun = 0;
    }
  }
}

t.test('property: nextProbeState agrees with a reference kubelet worker over random outcome sequences', async (t) => {
  const seed = 20301;
  const random = seededRandom(seed);
  let checked = 0;
  for (let i = 0; i < 500; i++) {
    const kind = pick(random, PROBE_KINDS);
    // Kubernetes requires successThreshold 1 for liveness and startup; readiness may use more.
    const successThreshold = kind === 'readiness' ? 1 + randomInt(random, 4) : 1;
    const failureThreshold = 1 + randomInt(random, 5);
    // Runs of repeated outcomes, so thresholds are actually reached.
    const bias = random();
    const length = 1 + randomInt(random, 40);
    const outcomes: ProbeOutcome[] = [];
    for (let k = 0; k < length; k++) outcomes.push(random() < bias ? 'success' : 'failure');

    const reference = new ReferenceWorker(kind, successThreshold, failureThreshold);
    let state = initialProbeState(kind);
    for (const [step, outcome] of outcomes.entries()) {
      reference.probe(outcome);
      state = nextProbeState(state, outcome, kind, { successThreshold, failureThreshold });
      const got = { result: state.result, onHold: state.onHold };
      const want = { result: reference.published, onHold: reference.onHold };
      if (got.result !== want.result || got.onHold !== want.onHold) {
        t.fail(`seed ${seed} case ${i} step ${step}: ${kind} s=${successThreshold} f=${failureThreshold} outcomes ${outcomes.slice(0, step + 1).join(',')}`, { got, want });
        return;
      }
      checked++;
    }
  }
  t.ok(checked > 5000, `${checked} steps agree`);
});
