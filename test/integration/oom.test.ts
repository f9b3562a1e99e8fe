/**
 * A container that outgrows its memory limit on a real hub, agent and Docker engine (issue #5):
 * the kernel OOM-kills it inside its cgroup (limits.memory became Docker's Memory, with swap
 * equal so there is no escape), Skiff reports OOMKilled as its last termination reason with exit
 * code 137, restarts it with kubelet's backoff (RESTARTS counts up), and says so in a Warning
 * Event on the Pod.
 */
import t from 'tap';
import type { Event } from '../../shared/api/schema/event.js';
import { TestCluster } from '../helpers/cluster.js';
import { type PodView } from '../helpers/pods.js';
import { waitFor } from '../helpers/wait.js';

t.test('a memory hog is OOM-killed, reported and restarted', async (t) => {
  const cluster = await TestCluster.start(t, { agents: ['oom'] });
  const manifest = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'hog' },
    spec: {
      containers: [
        {
          name: 'hog',
          image: 'skiff-test/web:1',
          imagePullPolicy: 'Never',
          // Holds 100 MiB in a shell variable: far past its 32Mi limit.
          command: ['sh', '-c', 'x=$(head -c 104857600 /dev/zero | tr "\\000" a); sleep 1000'],
          resources: { limits: { memory: '32Mi' } },
        },
      ],
    },
  };
  const apply = await cluster.skiff(['apply', '-f', '-'], { input: JSON.stringify(manifest) });
  t.equal(apply.code, 0, apply.stderr);

  const status = await waitFor('the hog restarted after an OOM kill', async () => {
    const pod = await cluster.api<PodView>('/api/v1/namespaces/default/pods/hog');
    const s = pod.status?.containerStatuses?.[0];
    return s && s.restartCount >= 1 && s.lastState?.terminated ? s : undefined;
  });
  t.match(status.lastState?.terminated, { reason: 'OOMKilled', exitCode: 137 }, 'lastState says how it ended');
  const pod = await cluster.api<PodView>('/api/v1/namespaces/default/pods/hog');
  t.equal(pod.status?.qosClass, 'Burstable', 'status.qosClass, kept through the node\'s reports');

  const event = await waitFor('an OOMKilled event', async () => {
    const events = await cluster.api<{ items: Event[] }>('/api/v1/namespaces/default/events');
    return events.items.find((e) => e.reason === 'OOMKilled' && e.involvedObject.name === 'hog');
  });
  t.match(event, { type: 'Warning', involvedObject: { kind: 'Pod', fieldPath: 'spec.containers{hog}' }, message: /Container hog was killed by the kernel for exceeding its memory limit \(exit code 137\)/ });

  const described = await cluster.skiff(['describe', 'pod', 'hog']);
  t.match(described.stdout, /Last State:\s+Terminated\n\s+Reason:\s+OOMKilled\n\s+Exit Code:\s+137/, 'describe shows it as kubectl does');
  t.match(described.stdout, /Requests:\n\s+memory:\s+32Mi/, 'requests defaulted from the limit');
  t.match(described.stdout, /QoS Class:\s+Burstable/, 'a memory limit alone is Burstable (Guaranteed needs cpu too)');
});
