/**
 * The loop's config wiring over an in-memory engine: env resolved from the desired state's
 * ConfigMaps (retried every pass until it exists, with kubelet's Failed event), volumes prepared
 * before creation and refreshed on every pass, mounts passed to Docker, and volume files of pods
 * that are gone removed.
 */
import t from 'tap';
import type { VolumeManager } from '../../../agent/reconcile/loop.js';
import type { VolumePreparation } from '../../../agent/reconcile/steps.js';
import type { Container } from '../../../shared/api/schema/pod.js';
import type { DesiredConfigObject, DesiredPod } from '../../../shared/mqtt/messages.js';
import { FakeClock, FakeDockerApi, NODE, pod, simulatedAgent } from './fixtures/builders.js';

class FakeVolumes implements VolumeManager {
  prepared: string[] = [];
  removed: string[] = [];
  present = new Set<string>(['uid-of-a-gone-pod']);
  async prepare(p: DesiredPod, lookup: Parameters<VolumeManager['prepare']>[1]): Promise<VolumePreparation> {
    this.prepared.push(p.metadata.uid);
    if (!lookup('ConfigMap', p.metadata.namespace, 'files')) return { ok: false, volume: 'v', message: 'configmap "files" not found' } as VolumePreparation;
    this.present.add(p.metadata.uid);
    return { ok: true, mounts: new Map([['main', [{ source: `/data/${p.metadata.uid}/v`, target: '/v', readOnly: true }]]]) };
  }
  async remove(uid: string): Promise<void> {
    this.removed.push(uid);
    this.present.delete(uid);
  }
  async list(): Promise<string[]> {
    return [...this.present];
  }
}

/** The simulated agent with FakeVolumes and a node that fieldRefs can read. */
function rig(pods: DesiredPod[]) {
  const clock = new FakeClock();
  const api = new FakeDockerApi(clock.now);
  const volumes = new FakeVolumes();
  const agent = simulatedAgent(api, clock, pods, { volumes, node: () => ({ name: NODE, hostIP: '10.0.0.9' }) });
  return { api, volumes, events: agent.events, loop: agent.loop, setConfig: agent.setConfig };
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const cm = (name: string, data: Record<string, string>): DesiredConfigObject => ({ kind: 'ConfigMap', namespace: 'default', name, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) });

t.test('a missing ConfigMap holds the container with one Failed event; once sent, the container is created with its value', async (t) => {
  const web = pod('web', {}, [{ env: [{ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } }] } as Partial<Container>]);
  const r = rig([web]);
  for (let i = 0; i < 3; i++) {
    const { result } = await r.loop.pass();
    t.match(result.steps, [{ kind: 'wait', reason: 'CreateContainerConfigError', message: 'configmap "settings" not found' }]);
  }
  t.same(
    r.events.filter((e) => e.reason === 'Failed').map((e) => [e.type, e.message]),
    [['Warning', 'Error: configmap "settings" not found']],
    'one event for the same message',
  );
  t.equal(r.api.of(web).length, 0);
  r.setConfig([cm('settings', { mode: 'fast' })]);
  await r.loop.pass(); // the pod's sandbox
  await r.loop.pass();
  const [created] = r.api.of(web);
  t.ok(created, 'created once its sandbox runs');
  t.ok(created!.body.Env?.includes('MODE=fast'));
});

t.test('volumes are prepared before creation and on every pass, mounted, and removed when their pod is gone', async (t) => {
  const web = pod('web', { volumes: [{ name: 'v', configMap: { name: 'files' } }] } as Partial<DesiredPod['spec']>, [{ volumeMounts: [{ name: 'v', mountPath: '/v' }] } as Partial<Container>]);
  const r = rig([web]);
  const { result } = await r.loop.pass();
  t.match(result.steps, [{ kind: 'wait', reason: 'ContainerCreating', message: 'MountVolume.SetUp failed for volume "v" : configmap "files" not found' }]);
  t.ok(r.events.some((e) => e.reason === 'FailedMount' && e.type === 'Warning'));
  t.same(r.volumes.removed, ['uid-of-a-gone-pod'], 'volume files of pods neither desired nor running are removed');
  r.setConfig([cm('files', { a: '1' })]);
  await r.loop.pass(); // the pod's sandbox
  await r.loop.pass();
  const [created] = r.api.of(web);
  t.match(created!.body.HostConfig?.Mounts, [{ Type: 'bind', Source: `/data/${web.metadata.uid}/v`, Target: '/v', ReadOnly: true }]);
  const before = r.volumes.prepared.length;
  await r.loop.pass();
  t.equal(r.volumes.prepared.length, before + 1, 'a running pod is prepared again (live updates)');
  t.notOk(r.volumes.removed.includes(web.metadata.uid));
});
