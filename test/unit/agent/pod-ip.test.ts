/**
 * podIpOf (agent/exec/pod-ip.ts): where port-forward connects for a Pod, read from the observed
 * sandboxes built by the real label helpers (fixtures/builders.ts): the IP of the Pod's newest
 * running sandbox, the node's address for a hostNetwork Pod (loopback when the node's is not
 * known), and nothing when the Pod has no running sandbox here. (The caller passes sandboxes only:
 * agent.ts splits them from the app containers first.)
 */
import t from 'tap';
import { podIpOf } from '../../../agent/exec/pod-ip.js';
import { pod, sandbox } from './fixtures/builders.js';

const WEB = pod('web');
const API = pod('api');
const HOST = pod('host', { hostNetwork: true });
const NODE_IP = '192.168.1.20';

t.test('the IP of the newest running sandbox of the Pod', async (t) => {
  const sandboxes = [
    sandbox(WEB, { id: 'old', attempt: 1, ip: '172.17.0.2' }),
    sandbox(WEB, { id: 'new', attempt: 2, ip: '172.17.0.3' }),
    sandbox(WEB, { id: 'dead', attempt: 3, state: 'exited' }),
    sandbox(API, { id: 'api', attempt: 9, ip: '172.17.0.4' }),
  ];
  t.equal(podIpOf(sandboxes, WEB.metadata.uid, NODE_IP), '172.17.0.3', 'attempt 2: the newest that runs (3 exited)');
  t.equal(podIpOf([...sandboxes].reverse(), WEB.metadata.uid, NODE_IP), '172.17.0.3', 'whatever the order they are listed in');
  t.equal(podIpOf(sandboxes, API.metadata.uid, NODE_IP), '172.17.0.4', 'another Pod’s sandbox is its own');
});

t.test('a paused or restarting sandbox still counts as running', async (t) => {
  t.equal(podIpOf([{ ...sandbox(WEB, { ip: '172.17.0.5' }), state: 'paused' }], WEB.metadata.uid, NODE_IP), '172.17.0.5');
  t.equal(podIpOf([{ ...sandbox(WEB, { ip: '172.17.0.6' }), state: 'restarting' }], WEB.metadata.uid, NODE_IP), '172.17.0.6');
});

t.test('a hostNetwork Pod is at the node’s address, or loopback when it is not known', async (t) => {
  const sandboxes = [sandbox(HOST)];
  t.equal(sandboxes[0]!.networkMode, 'host', 'the builder gives a hostNetwork Pod a host-mode sandbox');
  t.equal(podIpOf(sandboxes, HOST.metadata.uid, NODE_IP), NODE_IP);
  t.equal(podIpOf(sandboxes, HOST.metadata.uid, undefined), '127.0.0.1');
});

t.test('no running sandbox of the Pod: no IP', async (t) => {
  t.equal(podIpOf([], WEB.metadata.uid, NODE_IP), undefined, 'nothing observed');
  t.equal(podIpOf([sandbox(WEB, { state: 'exited' }), sandbox(WEB, { state: 'created', attempt: 2 })], WEB.metadata.uid, NODE_IP), undefined, 'only exited or created sandboxes');
  t.equal(podIpOf([sandbox(API)], WEB.metadata.uid, NODE_IP), undefined, 'only another Pod’s sandbox');
});
