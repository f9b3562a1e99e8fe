import t from 'tap';
import { configLookup } from '../../../agent/config/config-lookup.js';
import { plan } from '../../../agent/reconcile/plan.js';
import { specHash } from '../../../agent/reconcile/spec-hash.js';
import type { CreateStep, WaitStep } from '../../../agent/reconcile/steps.js';
import type { Container } from '../../../shared/api/schema/pod.js';
import type { DesiredPod } from '../../../shared/mqtt/messages.js';
import { context, observed, pod, sandbox, sandboxIdOf, withSandboxes } from './fixtures/builders.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const settings = (value: string) => configLookup([{ kind: 'ConfigMap', namespace: 'default', name: 'settings', data: { mode: b64(value) } }]);
const fromSettings = { env: [{ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } }] } as Partial<Container>;
const node = { name: 'pi-1', hostIP: '10.0.0.7' };

t.test('a container whose ConfigMap is missing waits in CreateContainerConfigError, retried every pass', async (t) => {
  const p = pod('web', {}, [fromSettings]);
  const steps = plan([p], withSandboxes([p], []), context({ node }));
  t.same(steps.map((s) => s.kind), ['wait']);
  const wait = steps[0] as WaitStep;
  t.equal(wait.reason, 'CreateContainerConfigError');
  t.equal(wait.message, 'configmap "settings" not found');
  t.equal(wait.untilMs, undefined, 'no backoff: the next pass (a new desired state) tries again');
});

t.test('once the ConfigMap is there the create step carries the resolved environment', async (t) => {
  const p = pod('web', {}, [{ ...fromSettings, env: [...fromSettings.env!, { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } } as never] }]);
  const [step] = plan([p], withSandboxes([p], []), context({ node, config: settings('fast') })) as CreateStep[];
  t.equal(step!.kind, 'create');
  t.same(step!.env, [['MODE', 'fast'], ['NODE', 'pi-1']]);
});

t.test('a ConfigMap edit changes no spec hash, so running containers stay', async (t) => {
  const p = pod('web', {}, [fromSettings]);
  const running = observed(p);
  t.same(plan([p], withSandboxes([p], [running]), context({ node, config: settings('slow') })), []);
  t.equal(specHash(p, p.spec.containers[0]!), running.labels['skiff.container.hash']);
});

t.test('a failed volume setup holds the pod in ContainerCreating with the FailedMount message', async (t) => {
  const p = pod('web');
  const volumes = new Map([[p.metadata.uid, { ok: false as const, message: 'MountVolume.SetUp failed for volume "v" : configmap "x" not found' }]]);
  const steps = plan([p], [], context({ volumes }));
  t.match(steps, [{ kind: 'wait', reason: 'ContainerCreating', message: 'MountVolume.SetUp failed for volume "v" : configmap "x" not found' }]);
  const ready = new Map([[p.metadata.uid, { ok: true as const, mounts: new Map([['main', [{ source: '/data/v', target: '/v', readOnly: true }]]]) }]]);
  t.match(plan([p], withSandboxes([p], []), context({ volumes: ready })), [{ kind: 'create', mounts: [{ source: '/data/v', target: '/v', readOnly: true }] }]);
});

t.test('status.podIP is the sandbox address, known before any container of the pod is created', async (t) => {
  const readsIp = { env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] } as Partial<Container>;
  const p: DesiredPod = pod('web', {}, [readsIp, readsIp]);
  t.same(plan([p], [], context()).map((s) => s.kind), ['sandbox'], 'without a sandbox only the sandbox is created');
  const steps = plan([p], [sandbox(p, { ip: '172.17.0.4' })], context()) as CreateStep[];
  t.same(
    steps.map((s) => [s.container.name, s.env, s.sandboxId]),
    [
      ['main', [['POD_IP', '172.17.0.4']], sandboxIdOf(p)],
      ['side1', [['POD_IP', '172.17.0.4']], sandboxIdOf(p)],
    ],
    'both containers are created together, in the sandbox, with its address',
  );
  const host = pod('exporter', { hostNetwork: true }, [readsIp]);
  const [onHost] = plan([host], [sandbox(host)], context({ node })) as CreateStep[];
  t.same(onHost!.env, [['POD_IP', '10.0.0.7']], 'a hostNetwork pod has the node address');
});
