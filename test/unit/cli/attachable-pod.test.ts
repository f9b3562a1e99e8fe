/**
 * Which Pod `logs`, `exec` and `port-forward` reach for POD, pod/NAME and TYPE/NAME (kubectl's
 * attachablePodForObject), against a stub of the hub client's `get` (pure selection logic).
 */
import t from 'tap';
import { podNameFor } from '../../../hub/cli/attachable-pod.js';
import type { CliContext } from '../../../hub/cli/context.js';
import type { HubClient } from '../../../hub/cli/hub-client.js';

interface StubPod {
  name: string;
  phase: string;
  ready: boolean;
  created: string;
}

function stubs(pods: StubPod[]): { client: HubClient; ctx: CliContext; stderr: () => string; asked: string[] } {
  let stderr = '';
  const asked: string[] = [];
  const client = {
    async get(path: string, options?: { query?: Record<string, string> }) {
      asked.push(options?.query?.labelSelector ? `${path}?labelSelector=${options.query.labelSelector}` : path);
      if (path.endsWith('/deployments/web')) return { spec: { selector: { matchLabels: { app: 'web' } } } };
      if (path.endsWith('/daemonsets/bare')) return { spec: {} };
      if (path.endsWith('/pods')) {
        return {
          items: pods.map((p) => ({
            metadata: { name: p.name, creationTimestamp: p.created },
            status: { phase: p.phase, conditions: [{ type: 'Ready', status: p.ready ? 'True' : 'False' }] },
          })),
        };
      }
      throw new Error(`unexpected GET ${path}`);
    },
  } as unknown as HubClient;
  const ctx = { io: { stderr: (text: string) => void (stderr += text) } } as unknown as CliContext;
  return { client, ctx, stderr: () => stderr, asked };
}

const PODS: StubPod[] = [
  { name: 'web-old-pending', phase: 'Pending', ready: false, created: '2026-01-01T00:00:00Z' },
  { name: 'web-b', phase: 'Running', ready: true, created: '2026-01-03T00:00:00Z' },
  { name: 'web-a', phase: 'Running', ready: true, created: '2026-01-02T00:00:00Z' },
  { name: 'web-running-unready', phase: 'Running', ready: false, created: '2026-01-01T00:00:00Z' },
];

t.test('a bare name and pod/NAME are that Pod, with no request', async (t) => {
  const { client, ctx, asked } = stubs(PODS);
  t.equal(await podNameFor('box', 'default', client, ctx, 'exec'), 'box');
  t.equal(await podNameFor('pod/box', 'default', client, ctx, 'exec'), 'box');
  t.equal(await podNameFor('po/box', 'default', client, ctx, 'port-forward'), 'box');
  t.same(asked, []);
});

t.test('a workload picks its oldest Ready Pod; only logs says which', async (t) => {
  const forExec = stubs(PODS);
  t.equal(await podNameFor('deployment/web', 'default', forExec.client, forExec.ctx, 'exec'), 'web-a');
  t.same(forExec.asked, ['/apis/apps/v1/namespaces/default/deployments/web', '/api/v1/namespaces/default/pods?labelSelector=app=web']);
  t.equal(forExec.stderr(), '', 'exec says nothing, as kubectl exec');
  const forLogs = stubs(PODS);
  t.equal(await podNameFor('deploy/web', 'default', forLogs.client, forLogs.ctx, 'logs'), 'web-a');
  t.equal(forLogs.stderr(), 'Found 4 pods, using pod/web-a\n');
  const single = stubs([PODS[3]!]);
  t.equal(await podNameFor('deployment/web', 'default', single.client, single.ctx, 'logs'), 'web-running-unready');
  t.equal(single.stderr(), '', 'one Pod: nothing to say');
});

t.test('errors name the argument and the command', async (t) => {
  const { client, ctx } = stubs([]);
  await t.rejects(podNameFor('service/web', 'default', client, ctx, 'exec'), { message: 'cannot exec into services: only pods, deployments, replicasets and daemonsets' });
  await t.rejects(podNameFor('service/web', 'default', client, ctx, 'logs'), { message: 'cannot get the logs from services: only pods, deployments, replicasets and daemonsets' });
  await t.rejects(podNameFor('service/web', 'default', client, ctx, 'port-forward'), { message: /^cannot port-forward to services/ });
  await t.rejects(podNameFor('nonsense/web', 'default', client, ctx, 'exec'), { message: 'arguments in resource/name form must have a single resource and name: "nonsense/web"' });
  await t.rejects(podNameFor('pod/', 'default', client, ctx, 'exec'), { message: /single resource and name: "pod\/"/ });
  await t.rejects(podNameFor('deployment/web', 'default', client, ctx, 'exec'), { message: 'timed out waiting for the condition: no pods of deployment/web found' });
  await t.rejects(podNameFor('daemonset/bare', 'default', client, ctx, 'exec'), { message: 'daemonset/bare has no selector' });
});
