import t from 'tap';
import { podCells, podColumns, summarizePod } from '../../../hub/printers/pod.js';
import { NOW, ago, pod, running, terminated, waiting } from './fixtures/objects.js';

t.test('pod columns are kubectl 1.32 ones, wide ones at priority 1', async (t) => {
  t.same(
    podColumns.map((c) => [c.name, c.priority]),
    [
      ['Name', 0],
      ['Ready', 0],
      ['Status', 0],
      ['Restarts', 0],
      ['Age', 0],
      ['IP', 1],
      ['Node', 1],
      ['Nominated Node', 1],
      ['Readiness Gates', 1],
    ],
  );
  t.equal(podColumns[0]!.format, 'name');
});

t.test('pod STATUS is derived as kubectl derives it', async (t) => {
  const cases: Array<[string, ReturnType<typeof pod>, string]> = [
    ['phase when no container reports', pod('a', 1, { phase: 'Pending' }), 'Pending'],
    ['status.reason over phase', pod('a', 1, { phase: 'Failed', reason: 'Evicted' }), 'Evicted'],
    ['running and ready', pod('a', 1, { phase: 'Running', containerStatuses: [running()] }), 'Running'],
    ['waiting reason: ContainerCreating', pod('a', 1, { phase: 'Pending', containerStatuses: [waiting('ContainerCreating')] }), 'ContainerCreating'],
    ['waiting reason: ErrImagePull', pod('a', 1, { phase: 'Pending', containerStatuses: [waiting('ErrImagePull')] }), 'ErrImagePull'],
    ['waiting reason: ImagePullBackOff', pod('a', 1, { phase: 'Pending', containerStatuses: [waiting('ImagePullBackOff')] }), 'ImagePullBackOff'],
    ['waiting reason: CrashLoopBackOff', pod('a', 1, { phase: 'Running', containerStatuses: [waiting('CrashLoopBackOff', 4, 35)] }), 'CrashLoopBackOff'],
    ['terminated reason: Completed', pod('a', 1, { phase: 'Succeeded', containerStatuses: [terminated(0, 'Completed')] }), 'Completed'],
    ['terminated reason: Error', pod('a', 1, { phase: 'Failed', containerStatuses: [terminated(1, 'Error')] }), 'Error'],
    ['terminated without reason, by a signal', pod('a', 1, { phase: 'Failed', containerStatuses: [terminated(137, undefined, 9)] }), 'Signal:9'],
    ['terminated without reason, by exit code', pod('a', 1, { phase: 'Failed', containerStatuses: [terminated(3)] }), 'ExitCode:3'],
    [
      'the first container wins over later ones',
      pod('a', 2, { phase: 'Pending', containerStatuses: [waiting('ErrImagePull'), { ...waiting('ContainerCreating'), name: 'c1' }] }),
      'ErrImagePull',
    ],
    [
      'Completed with another container running and Ready=True is Running',
      pod('a', 2, {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [terminated(0, 'Completed'), running('c1')],
      }),
      'Running',
    ],
    [
      'Completed with another container running but not Ready is NotReady',
      pod('a', 2, { phase: 'Running', containerStatuses: [terminated(0, 'Completed'), running('c1')] }),
      'NotReady',
    ],
    ['deletionTimestamp makes a running pod Terminating', pod('a', 1, { phase: 'Running', containerStatuses: [running()] }, { deletionTimestamp: ago(5) }), 'Terminating'],
    ['a finished pod being deleted keeps its status', pod('a', 1, { phase: 'Succeeded', containerStatuses: [terminated(0, 'Completed')] }, { deletionTimestamp: ago(5) }), 'Completed'],
    ['a pod of a lost node being deleted is Unknown', pod('a', 1, { phase: 'Running', reason: 'NodeLost' }, { deletionTimestamp: ago(5) }), 'Unknown'],
    ['scheduling gates', pod('a', 1, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }), 'SchedulingGated'],
    ['no status at all', pod('a', 1), ''],
  ];
  for (const [name, p, status] of cases) t.equal(summarizePod(p, NOW).status, status, name);
});

t.test('pod READY counts ready, running containers of all containers', async (t) => {
  t.equal(summarizePod(pod('a', 3, { containerStatuses: [running('c0'), running('c1'), running('c2', 0, false)] }), NOW).ready, '2/3');
  t.equal(summarizePod(pod('a', 2), NOW).ready, '0/2');
});

t.test('pod RESTARTS shows when the last restart happened, like kubectl 1.32', async (t) => {
  t.equal(summarizePod(pod('a', 1, { containerStatuses: [running()] }), NOW).restarts, '0');
  t.equal(summarizePod(pod('a', 1, { containerStatuses: [waiting('CrashLoopBackOff', 2, 35)] }), NOW).restarts, '2 (35s ago)');
  // restarts without a recorded termination time: just the count
  t.equal(summarizePod(pod('a', 1, { containerStatuses: [running('c0', 3)] }), NOW).restarts, '3');
  // restarts add up across containers, the latest termination wins
  const two = pod('a', 2, { containerStatuses: [waiting('CrashLoopBackOff', 2, 600), { ...waiting('CrashLoopBackOff', 1, 200), name: 'c1' }] });
  t.equal(summarizePod(two, NOW).restarts, '3 (3m20s ago)');
});

t.test('pod cells include the wide columns, <none> where empty', async (t) => {
  const p = pod('web-1', 1, { phase: 'Running', podIP: '10.42.0.7', containerStatuses: [running()] }, { nodeName: 'pi-1' });
  t.same(podCells(p, NOW), ['web-1', '1/1', 'Running', '0', '10m', '10.42.0.7', 'pi-1', '<none>', '<none>']);
  t.same(podCells(pod('x', 1, { phase: 'Pending' }), NOW).slice(5), ['<none>', '<none>', '<none>', '<none>']);
});
