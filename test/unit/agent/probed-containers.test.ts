import t from 'tap';
import type { Probe } from '../../../shared/api/schema/pod.js';
import type { DesiredState } from '../../../shared/mqtt/messages.js';
import { probedContainers } from '../../../agent/health/probed-containers.js';
import { LABELS } from '../../../agent/runtime/labels.js';
import { NODE, observed, pod, T0 } from './fixtures/builders.js';

const probe: Probe = { exec: { command: ['true'] } };
const live = pod('live', {}, [{ livenessProbe: probe }]);
const ready = pod('ready', {}, [{ readinessProbe: probe }]);
const slow = pod('slow', {}, [{ startupProbe: probe }]);
const plain = pod('plain');
const sidecar = pod('mixed', {}, [{}, { readinessProbe: probe }]);

const desired = (...pods: DesiredState['pods']): DesiredState => ({ schema: 1, node: NODE, generation: 1, pods });
const brief = (list: ReturnType<typeof probedContainers>) => list.map((c) => `${c.pod.metadata.name}/${c.spec.name}@${c.id}`);

t.test('running containers of desired pods with any probe are watched, with ip and start time', async (t) => {
  const startedAt = new Date(T0 - 5_000).toISOString();
  const got = probedContainers(desired(live, ready, slow), [
    observed(live, { id: 'l1', startedAt, ip: '172.17.0.4' }),
    observed(ready, { id: 'r1' }),
    observed(slow, { id: 's1' }),
  ]);
  t.same(brief(got), ['live/main@l1', 'ready/main@r1', 'slow/main@s1']);
  t.equal(got[0]!.pod, live, 'the desired pod itself');
  t.equal(got[0]!.spec, live.spec.containers[0], 'and its container spec');
  t.equal(got[0]!.ip, '172.17.0.4');
  t.equal(got[0]!.startedAtMs, T0 - 5_000);
});

t.test('containers that are not watched', async (t) => {
  const got = probedContainers(desired(live, plain, sidecar), [
    observed(plain, { id: 'no-probes' }),
    observed(live, { id: 'exited', state: 'exited', exitCode: 1 }),
    observed(live, { id: 'created', state: 'created' }),
    observed(ready, { id: 'not-desired' }),
    observed(sidecar, { id: 'mixed-main' }), // the pod has a probe, but on its other container
    observed(sidecar, { id: 'mixed-side', container: 'side1' }),
    { ...observed(live, { id: 'unlabelled' }), labels: { [LABELS.node]: NODE } },
    observed(live, { id: 'renamed', container: 'gone' }), // a container the spec no longer has
  ]);
  t.same(brief(got), ['mixed/side1@mixed-side']);
});

t.test('paused and restarting containers count as running', async (t) => {
  const got = probedContainers(desired(live), [observed(live, { id: 'p1', state: 'paused' }), observed(live, { id: 'r1', state: 'restarting' })]);
  t.same(brief(got), ['live/main@p1', 'live/main@r1']);
  t.notOk('ip' in got[0]!, 'no IP observed: none given');
});

t.test('without a start time the creation time stands in', async (t) => {
  const { startedAt: _omit, ...noStart } = observed(live, { id: 'l1', createdMs: T0 - 9_000 });
  t.equal(probedContainers(desired(live), [noStart])[0]!.startedAtMs, T0 - 9_000);
});

t.test('no desired state: nothing is watched', async (t) => {
  t.same(probedContainers(undefined, [observed(live)]), []);
});
