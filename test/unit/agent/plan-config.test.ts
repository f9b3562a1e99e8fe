import t from 'tap';
import { configLookup } from '../../../agent/config/config-lookup.js';
import { plan } from '../../../agent/reconcile/plan.js';
import { specHash } from '../../../agent/reconcile/spec-hash.js';
import type { CreateStep, WaitStep } from '../../../agent/reconcile/steps.js';
import type { Container } from '../../../shared/api/schema/pod.js';
import type { DesiredPod } from '../../../shared/mqtt/messages.js';
import { context, observed, pod } from './fixtures/builders.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const settings = (value: string) => configLookup([{ kind: 'ConfigMap', namespace: 'default', name: 'settings', data: { mode: b64(value) } }]);
const fromSettings = { env: [{ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } }] } as Partial<Container>;
const node = { name: 'pi-1', hostIP: '10.0.0.7' };

t.test('a container whose ConfigMap is missing waits in CreateContainerConfigError, retried every pass', async (t) => {
  const p = pod('web', {}, [fromSettings]);
  const steps = plan([p], [], context({ node }));
  t.same(steps.map((s) => s.kind), ['wait']);
  const wait = steps[0] as WaitStep;
  t.equal(wait.reason, 'CreateContainerConfigError');
  t.equal(wait.message, 'configmap "settings" not found');
  t.equal(wait.untilMs, undefined, 'no backoff: the next pass (a new desired state) tries again');
});

t.test('once the ConfigMap is there the create step carries the resolved environment', async (t) => {
  const p = pod('web', {}, [{ ...fromSettings, env: [...fromSettings.env!, { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } } as never] }]);
  const [step] = plan([p], [], context({ node, config: settings('fast') })) as CreateStep[];
  t.equal(step!.kind, 'create');
  t.same(step!.env, [['MODE', 'fast'], ['NODE', 'pi-1']]);
});

t.test('a ConfigMap edit changes no spec hash, so running containers stay', async (t) => {
  const p = pod('web', {}, [fromSettings]);
  const running = observed(p);
  t.same(plan([p], [running], context({ node, config: settings('slow') })), []);
  t.equal(specHash(p, p.spec.containers[0]!), running.labels['skiff.container.hash']);
});

t.test('a failed volume setup holds the pod in ContainerCreating with the FailedMount message', async (t) => {
  const p = pod('web');
  const volumes = new Map([[p.metadata.uid, { ok: false as const, message: 'MountVolume.SetUp failed for volume "v" : configmap "x" not found' }]]);
  const steps = plan([p], [], context({ volumes }));
  t.match(steps, [{ kind: 'wait', reason: 'ContainerCreating', message: 'MountVolume.SetUp failed for volume "v" : configmap "x" not found' }]);
  const ready = new Map([[p.metadata.uid, { ok: true as const, mounts: new Map([['main', [{ source: '/data/v', target: '/v', readOnly: true }]]]) }]]);
  t.match(plan([p], [], context({ volumes: ready })), [{ kind: 'create', mounts: [{ source: '/data/v', target: '/v', readOnly: true }] }]);
});

t.test('status.podIP: a later container waits one pass for the first to start, then gets its address', async (t) => {
  const readsIp = { env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] } as Partial<Container>;
  const p: DesiredPod = pod('web', {}, [{}, readsIp]);
  t.same(plan([p], [], context()).map((s) => (s as CreateStep).container.name), ['main'], 'only the first is created in the first pass');
  const first = observed(p, { container: 'main', ip: '172.17.0.4' });
  const [step] = plan([p], [first], context()) as CreateStep[];
  t.same(step!.env, [['POD_IP', '172.17.0.4']]);
  const plain = pod('web', {}, [{}, {}]);
  t.equal(plan([plain], [], context()).length, 2, 'containers that do not read the pod IP start together');
});
