/**
 * `describe node` against the text real kubectl 1.32.4 printed for the same Node and pods (served
 * by a stub API server, TZ=UTC), byte for byte, except where Skiff differs on purpose: there is no
 * "Lease:" line (Skiff nodes have no Lease; the Ready condition carries the heartbeat), and a
 * container with only limits counts them as its requests, as Kubernetes' defaulting would.
 */
import t from 'tap';
import { describeNode, podRequestsAndLimits } from '../../../hub/cli/describe/node.js';
import { quantityString } from '../../../shared/api/quantity-text.js';
import type { DescribeClock } from '../../../hub/cli/describe/time-format.js';
import type { Node } from '../../../shared/api/schema/cluster.js';
import type { Pod } from '../../../shared/api/schema/pod.js';
import { DESCRIBE_NOW, describeFixtures } from './fixtures/describe-objects.js';

const clock: DescribeClock = { now: DESCRIBE_NOW, utcOffsetMinutes: 0 };
const text = (lines: string[]): string => `${lines.join('\n')}\n`;
const { node, webPod, crashPod, nodeEvents } = describeFixtures();

const NODE_LINES = [
      'Name:               pi-1',
      'Roles:              edge',
      'Labels:             kubernetes.io/arch=arm64',
      '                    kubernetes.io/hostname=pi-1',
      '                    kubernetes.io/os=linux',
      '                    node-role.kubernetes.io/edge=',
      'Annotations:        <none>',
      'CreationTimestamp:  Tue, 11 Mar 2025 09:26:53 +0000',
      'Taints:             node.kubernetes.io/unreachable:NoExecute',
      '                    dedicated=sensors:NoSchedule',
      'Unschedulable:      false',
      'Conditions:',
      '  Type    Status  LastHeartbeatTime                 LastTransitionTime                Reason         Message',
      '  ----    ------  -----------------                 ------------------                ------         -------',
      '  Ready   True    Fri, 14 Mar 2025 09:26:49 +0000   Thu, 13 Mar 2025 09:26:53 +0000   KubeletReady   skiff agent is posting ready status',
      'Addresses:',
      '  InternalIP:  192.168.1.20',
      '  Hostname:    pi-1',
      'Capacity:',
      '  cpu:     4',
      '  memory:  3884812Ki',
      '  pods:    110',
      'Allocatable:',
      '  cpu:     4',
      '  memory:  3884812Ki',
      '  pods:    110',
      'System Info:',
      '  Machine ID:                 ',
      '  System UUID:                ',
      '  Boot ID:                    ',
      '  Kernel Version:             6.6.31-v8+',
      '  OS Image:                   Debian GNU/Linux 12 (bookworm)',
      '  Operating System:           linux',
      '  Architecture:               arm64',
      '  Container Runtime Version:  docker://27.3.1',
      '  Kubelet Version:            v1.32.0-skiff.0.1.0',
      '  Kube-Proxy Version:         ',
      'Non-terminated Pods:          (2 in total)',
      '  Namespace                   Name                    CPU Requests  CPU Limits   Memory Requests  Memory Limits  Age',
      '  ---------                   ----                    ------------  ----------   ---------------  -------------  ---',
      '  default                     web-5d8c7b9f4d-2xkqp    1250m (31%)   1500m (37%)  1088Mi (28%)     1152Mi (30%)   5m30s',
      '  edge                        sensor-7d9f             0 (0%)        0 (0%)       0 (0%)           0 (0%)         61m',
      'Allocated resources:',
      '  (Total limits may be over 100 percent, i.e., overcommitted.)',
      '  Resource           Requests      Limits',
      '  --------           --------      ------',
      '  cpu                1250m (31%)   1500m (37%)',
      '  memory             1088Mi (28%)  1152Mi (30%)',
      '  ephemeral-storage  0 (0%)        0 (0%)',
      'Events:',
      '  Type    Reason          Age   From             Message',
      '  ----    ------          ----  ----             -------',
      '  Normal  RegisteredNode  3d    node-controller  Node pi-1 event: Registered Node pi-1 in Controller',
      '  Normal  Starting        24h   kubelet          Starting skiff agent.',
    ];

t.test('a Ready node with taints, two pods and events from the kubelet and a controller', async (t) => {
  t.equal(describeNode(node, [webPod, crashPod], nodeEvents, clock), text(NODE_LINES));
});

t.test('an idle node: no pods, zero allocations, no events', async (t) => {
  const bare = { ...node, metadata: { name: 'pi-2', creationTimestamp: node.metadata.creationTimestamp }, spec: {} } as Node;
  const out = describeNode(bare, [], [], clock);
  t.match(out, /\nRoles:\s+<none>\nLabels:\s+<none>\nAnnotations:\s+<none>\n/);
  t.match(out, /\nTaints:\s+<none>\nUnschedulable:\s+false\n/);
  t.match(out, /\nNon-terminated Pods:\s+\(0 in total\)\n/);
  t.match(out, /\n  cpu                0 \(0%\)    0 \(0%\)\n  memory             0 \(0%\)    0 \(0%\)\n/);
  t.match(out, /\nEvents:\s+<none>\n$/);
});

t.test('a cordoned node without allocatable falls back to capacity', async (t) => {
  const cordoned = { ...node, spec: { unschedulable: true }, status: { ...node.status, allocatable: {} } } as Node;
  const out = describeNode(cordoned, [webPod], undefined, clock);
  t.match(out, /\nUnschedulable:\s+true\n/);
  t.notMatch(out, /\nAllocatable:/, 'an empty list prints no heading');
  t.match(out, /\n  cpu                1250m \(31%\)\s+1500m \(37%\)\n/, 'percentages of capacity');
  t.notMatch(out, /Events:/);
});

t.test('a pod\'s requests and limits: containers summed, requests defaulted from limits', async (t) => {
  const { requests, limits } = podRequestsAndLimits(webPod);
  t.same(Object.fromEntries([...requests].map(([k, q]) => [k, quantityString(q)])), { cpu: '1250m', memory: '1088Mi' });
  t.same(Object.fromEntries([...limits].map(([k, q]) => [k, quantityString(q)])), { cpu: '1500m', memory: '1152Mi' });
  const withInit = {
    ...crashPod,
    spec: { ...crashPod.spec, initContainers: [{ name: 'init', image: 'x', resources: { requests: { cpu: '2' } } }], containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '500m' } } }] },
  } as unknown as Pod;
  t.equal(quantityString(podRequestsAndLimits(withInit).requests.get('cpu')!), '2', 'a larger init container sets the request');
});
