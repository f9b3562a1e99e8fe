/**
 * runningPodAddresses (issue #8), pure: which desired Pods have a running sandbox with an IP, and
 * that IP; hostNetwork Pods and sandboxes that are not running, have no IP, belong to no desired
 * Pod or carry no identity are left out; the newest attempt's sandbox counts.
 */
import t from 'tap';
import { runningPodAddresses } from '../../../agent/services/running-pods.js';
import { LABELS } from '../../../agent/runtime/labels.js';
import { pod, sandbox } from './fixtures/builders.js';

const addresses = (result: ReturnType<typeof runningPodAddresses>): Array<[string, string]> => result.map((r) => [r.pod.metadata.name, r.podIp]);

t.test('each desired Pod with a running sandbox, paired with its IP, in the desired order', async (t) => {
  const a = pod('a');
  const b = pod('b');
  const result = runningPodAddresses([b, a], [sandbox(a, { ip: '172.17.0.2' }), sandbox(b, { ip: '172.17.0.3' })]);
  t.strictSame(addresses(result), [['b', '172.17.0.3'], ['a', '172.17.0.2']]);
  t.equal(result[0]!.pod, b, 'the desired Pod itself');
});

t.test('a Pod without a usable sandbox is left out', async (t) => {
  const exited = pod('exited');
  const noIp = pod('no-ip');
  const none = pod('none');
  const host = pod('host', { hostNetwork: true });
  const noIpSandbox = { ...sandbox(noIp) };
  delete (noIpSandbox as { ip?: string }).ip;
  const hostSandbox = { ...sandbox(pod('host')), ip: '172.17.0.9' }; // a bridge address, to show hostNetwork alone excludes it
  const result = runningPodAddresses([exited, noIp, none, host], [sandbox(exited, { state: 'exited' }), noIpSandbox, hostSandbox]);
  t.strictSame(result, []);
});

t.test('paused and restarting sandboxes count as running; created and dead do not', async (t) => {
  const states = ['running', 'paused', 'restarting', 'created', 'dead', 'exited'] as const;
  const pods = states.map((s) => pod(s));
  const sandboxes = pods.map((p, i) => ({ ...sandbox(p), state: states[i]!, ip: `172.17.0.${i + 2}` }));
  t.strictSame(addresses(runningPodAddresses(pods, sandboxes)), [['running', '172.17.0.2'], ['paused', '172.17.0.3'], ['restarting', '172.17.0.4']]);
});

t.test('of several sandboxes of one Pod, the newest attempt counts, whatever the order', async (t) => {
  const a = pod('a');
  const older = sandbox(a, { attempt: 1, ip: '172.17.0.2', id: 'old' });
  const newer = sandbox(a, { attempt: 2, ip: '172.17.0.5', id: 'new' });
  t.strictSame(addresses(runningPodAddresses([a], [older, newer])), [['a', '172.17.0.5']]);
  t.strictSame(addresses(runningPodAddresses([a], [newer, older])), [['a', '172.17.0.5']]);
  const stopped = { ...newer, state: 'exited' as const };
  t.strictSame(addresses(runningPodAddresses([a], [older, stopped])), [['a', '172.17.0.2']], 'a newer one that is not running does not hide the running one');
});

t.test('a sandbox without identity labels, or of no desired Pod, pairs with nothing', async (t) => {
  const a = pod('a');
  const unlabelled = { ...sandbox(a), labels: { ...sandbox(a).labels, [LABELS.podUid]: '' } };
  t.strictSame(runningPodAddresses([a], [unlabelled]), []);
  t.strictSame(runningPodAddresses([a], [sandbox(pod('gone'))]), []);
  t.strictSame(runningPodAddresses([], [sandbox(a)]), []);
});
