/**
 * Debian's python3-kubernetes client (22.6, run by Debian's /usr/bin/python3, never faked)
 * against a real hub and agent (issue #12: "the python client lists, watches and creates
 * objects"). test/fixtures/python/client.py uses the typed APIs with the kubeconfig the hub wrote
 * (TLS verified against the hub's CA): it creates a Namespace, a ConfigMap and a Deployment,
 * lists with label selectors, watches the Deployment's Pod until it runs (list, then watch from
 * the list's resourceVersion), reads the ConfigMap back, gets 410 for a watch resumed from a
 * resourceVersion the hub's watch cache no longer holds, deletes what it made, and pages through
 * the Namespaces with limit= and continue=. It prints one
 * JSON line per step; the assertions are here, on those facts.
 */
import { join } from 'node:path';
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { fixture } from '../helpers/pods.js';
import { run } from '../helpers/processes.js';

/** Debian's interpreter: the package installs for it, not for a python3 earlier on PATH (pyenv). */
const PYTHON = '/usr/bin/python3';
const CLIENT = fixture(join('python', 'client.py'));
const NAME = 'pyweb';
/** Generous: the script's own watches end at 120 s each (timeoutSeconds) and then fail it. */
const SCRIPT_TIMEOUT_MS = 300_000;

type Facts = Record<string, unknown>;
interface PodEvent {
  type: string;
  name: string;
  phase?: string | null;
}

/** The script's output: one JSON object per line, keyed by its `step`. */
function stepsOf(stdout: string): Map<string, Facts> {
  const steps = new Map<string, Facts>();
  for (const line of stdout.split('\n').filter((l) => l !== '')) {
    const facts = JSON.parse(line) as Facts;
    steps.set(String(facts.step), facts);
  }
  return steps;
}

t.test('python3-kubernetes against a real hub and agent', async (t) => {
  const installed = await run(PYTHON, ['-c', 'import kubernetes; print(kubernetes.__version__)']);
  if (installed.code !== 0) {
    // Never a skip: CI installs it (install/dev-setup.sh), so its absence is a broken machine.
    t.fail(`${PYTHON} cannot import kubernetes: install Debian's python3-kubernetes (apt-get install python3-kubernetes, or run install/dev-setup.sh)\n${installed.stderr}`);
    return;
  }
  t.comment(`python3-kubernetes ${installed.stdout.trim()}`);

  const cluster = await TestCluster.start(t, { agents: ['py'] });
  const namespace = `py-${cluster.id}`;
  const kubeconfig = join(cluster.hubDataDir, 'kubeconfig');
  const result = await run(PYTHON, [CLIENT, kubeconfig, namespace, NAME], { timeoutMs: SCRIPT_TIMEOUT_MS });
  t.comment(result.stdout);
  t.equal(result.code, 0, `the client script failed:\n${result.stderr}`);
  t.equal(result.stderr, '');
  const steps = stepsOf(result.stdout);
  const step = (name: string): Facts => steps.get(name) ?? {};

  t.test('it loads the kubeconfig the hub wrote, with TLS verified against the hub CA', async (t) => {
    t.same(step('config'), { step: 'config', host: cluster.apiUrl, verify_ssl: true, has_ca: true });
  });

  t.test('it creates a Namespace, a ConfigMap and a Deployment', async (t) => {
    t.same(step('create-namespace'), { step: 'create-namespace', name: namespace, phase: 'Active' });
    t.match(step('create-configmap'), { name: NAME, namespace, uid: /^[0-9a-f-]{36}$/, resource_version: /^\d+$/ });
    t.same(step('create-deployment'), { step: 'create-deployment', name: NAME, replicas: 1, image: 'skiff-test/web:1', image_pull_policy: 'Never' });
  });

  t.test("it watches, from a list's resourceVersion, the Deployment's Pod until it is Running", async (t) => {
    t.match(step('list-pods-before'), { names: [], resource_version: /^\d+$/ }, 'no Pod before the Deployment');
    const watched = step('watch-pods');
    t.match(watched, { pod: new RegExp(`^${NAME}-[a-z0-9]+-[a-z0-9]{5}$`), phase: 'Running', node: cluster.nodeName('py'), owner_kinds: ['ReplicaSet'] });
    const events = watched.events as PodEvent[];
    t.ok(events.every((e) => e.name === watched.pod), 'every event is about that Pod');
    t.equal(events[0]?.type, 'ADDED', 'the Pod was created after the list: ADDED first');
    t.same(events.slice(1).map((e) => e.type), events.slice(1).map(() => 'MODIFIED'), 'then MODIFIED');
    t.ok(events.length >= 2, 'scheduled and started after it was created');
    t.same(events.at(-1), { type: 'MODIFIED', name: watched.pod, phase: 'Running' }, 'the watch saw it reach Running');
  });

  t.test('it lists with label selectors', async (t) => {
    const pod = step('watch-pods').pod;
    t.match(step('list-pods'), { names: [pod], phases: ['Running'], resource_version: /^\d+$/ });
    t.same(step('list-pods-other-selector').names, [], 'a selector no Pod matches lists none');
    t.same(step('list-deployments').names, [NAME]);
  });

  t.test('it reads the ConfigMap back as it was created', async (t) => {
    t.same(step('read-configmap'), {
      step: 'read-configmap',
      name: NAME,
      uid: step('create-configmap').uid,
      labels: { app: NAME },
      data: { greeting: 'hello from python', mode: 'edge' },
    });
  });

  t.test('a watch resumed from a resourceVersion the watch cache dropped raises ApiException 410', async (t) => {
    t.match(step('expired-watch'), { status: 410, reason: /^Expired: too old resource version: 1 \(\d+\)$/, events: [] });
  });

  t.test('it deletes the Deployment (its Pod goes with it) and the ConfigMap', async (t) => {
    const deleted = step('delete-deployment');
    t.equal(deleted.read_after_delete_status, 404);
    const events = (deleted.events ?? []) as PodEvent[];
    t.same(events.at(-1), { type: 'DELETED', name: step('watch-pods').pod }, 'the watch saw the Pod DELETED');
    t.ok(events.every((e) => e.type === 'MODIFIED' || e.type === 'DELETED'), 'after MODIFIED events only (terminating)');
    t.equal(step('delete-configmap').read_after_delete_status, 404);
  });

  t.test('it lists Namespaces, and pages through them with limit and continue', async (t) => {
    const names = step('list-namespaces').names as string[];
    t.ok(names.includes(namespace), `the Namespace it created (${namespace}) is listed`);
    t.ok(names.length >= 3, 'with default and kube-system: enough for several pages');
    const pages = (step('list-namespaces-paged').pages ?? []) as Array<{ names: string[]; continue: boolean; remaining_item_count: number | null }>;
    t.same(pages.flatMap((p) => p.names), names, 'one page at a time, the same Namespaces in the same order');
    t.same(pages.map((p) => p.names.length), names.map(() => 1), 'limit=1: one per page');
    t.same(pages.map((p) => p.continue), names.map((_, i) => i < names.length - 1), 'a continue token on every page but the last');
    t.same(pages.slice(0, -1).map((p) => p.remaining_item_count), names.slice(0, -1).map((_, i) => names.length - i - 1), 'remainingItemCount counts what follows');
  });
});
