import t from 'tap';
import { LimitAudit } from '../../../agent/cgroup/limit-audit.js';
import type { NodeEvent } from '../../../shared/mqtt/messages.js';
import { observed, pod, silentLog, T0 } from './fixtures/builders.js';

const MiB = 2 ** 20;
const web = pod('web');
const PROC = '4:memory:/docker/abc\n12:pids:/docker/abc\n3:cpu,cpuacct:/docker/abc\n';

function audit(files: Record<string, string>, procReads: number[] = []) {
  const events: NodeEvent[] = [];
  const limitAudit = new LimitAudit({
    readProcCgroup: async (pid) => {
      procReads.push(pid);
      if (pid === 404) throw new Error('ENOENT: the process is gone');
      return pid === 1 ? '' : PROC;
    },
    readFile: async (dir, file) => files[`${dir}/${file}`],
    emit: (event) => events.push(event),
    now: () => T0,
    log: silentLog,
  });
  return { limitAudit, events };
}

const enforced = {
  '/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes': String(64 * MiB),
  '/sys/fs/cgroup/pids/docker/abc/pids.max': '1024',
};

t.test('a running container whose limits are enforced: no event, checked once', async (t) => {
  const reads: number[] = [];
  const { limitAudit, events } = audit(enforced, reads);
  const c = { ...observed(web, { id: 'c1' }), pid: 42, requestedLimits: { memoryBytes: 64 * MiB, pidsMax: 1024 } };
  await limitAudit.audit([c]);
  await limitAudit.audit([c]);
  t.same(events, []);
  t.same(reads, [42], 'one read per container, not per pass');
});

t.test('a limit the kernel does not enforce is a Warning Event on the Pod, naming each limit', async (t) => {
  const { limitAudit, events } = audit({ '/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes': '9223372036854771712' });
  const c = { ...observed(web, { id: 'c2' }), pid: 43, requestedLimits: { memoryBytes: 64 * MiB, pidsMax: 1024 } };
  await limitAudit.audit([c]);
  t.equal(events.length, 1);
  t.match(events[0], {
    type: 'Warning',
    reason: 'LimitsNotEnforced',
    involvedObject: { kind: 'Pod', name: 'web', uid: web.metadata.uid, fieldPath: 'spec.containers{main}' },
    message: `limits not enforced by the kernel (cgroup v1): memory: asked ${64 * MiB}, cgroup has none; pids: asked 1024, cgroup has none`,
  });
});

t.test('exited, unlabelled, unlocatable and vanished containers', async (t) => {
  const reads: number[] = [];
  const { limitAudit, events } = audit({}, reads);
  const asked = { requestedLimits: { pidsMax: 1 } };
  await limitAudit.audit([
    { ...observed(web, { id: 'exited', state: 'exited' }), pid: 50, ...asked },
    { ...observed(web, { id: 'nopid' }), ...asked },
    { ...observed(web, { id: 'stranger' }), labels: {}, pid: 51, ...asked },
    { ...observed(web, { id: 'nowhere' }), pid: 1, ...asked },
    { ...observed(web, { id: 'gone' }), pid: 404, ...asked },
  ]);
  t.same(reads, [1, 404], 'only running, labelled containers with a pid are read');
  t.same(events, [], 'no cgroup found, or the process gone: no event');
  await limitAudit.audit([{ ...observed(web, { id: 'gone' }), pid: 404, ...asked }]);
  t.same(reads, [1, 404, 404], 'a read that failed is tried again; one that found no cgroup is not');
});
