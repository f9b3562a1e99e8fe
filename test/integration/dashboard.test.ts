/**
 * The web dashboard (issue #9, docs/dashboard.md) in headless Chromium against a real hub and
 * agent: a browser's `GET /` lands on it, the admin token logs in, the tables show the cluster's
 * real node, Deployment, Pods and Events, a Pod's logs stream, scale / restart / undo / cordon
 * from the page change the hub's objects (and the page follows live), and a read-only token gets
 * the API's "forbidden" on an action, and the page says when the hub is gone and recovers when it
 * is back. Screenshots go to test-results/dashboard/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { isRunningAndReady, listPods } from '../helpers/pods.js';
import { repoRoot } from '../helpers/repo.js';
import { waitFor } from '../helpers/wait.js';

const ARTIFACTS = join(repoRoot(), 'test-results', 'dashboard');
const LOG_LINE = 'the greeter says hello';
const RBAC = 'rbac.authorization.k8s.io';

/** A Deployment whose container logs one line and then idles. */
function greeter(node: string): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'greeter' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'greeter' } },
      template: {
        metadata: { labels: { app: 'greeter' } },
        spec: {
          terminationGracePeriodSeconds: 1,
          nodeSelector: { 'kubernetes.io/hostname': node },
          containers: [
            { name: 'main', image: 'skiff-test/web:1', imagePullPolicy: 'Never', command: ['/bin/sh', '-c', `echo "${LOG_LINE}"; trap "exit 0" TERM; while true; do sleep 1; done`] },
          ],
        },
      },
    },
  };
}

/** Waits until `locator`'s text is `expected`; a timeout says what the page showed instead. */
async function waitForText(locator: Locator, expected: string | RegExp, what: string): Promise<void> {
  await waitFor(what, async () => {
    const text = (await locator.textContent()) ?? '';
    if (typeof expected === 'string' ? text === expected : expected.test(text)) return true;
    throw new Error(`the page shows ${JSON.stringify(text)}`);
  });
}

interface DeploymentView {
  spec: { replicas: number; template: { metadata?: { annotations?: Record<string, string> } } };
}

t.test('the dashboard shows the fleet and acts on it', async (t) => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const cluster = await TestCluster.start(t);
  // Samples every second: the sparklines have points within the test, not after the default 10 s rounds.
  const node = await cluster.startAgent('dash', ['--metrics-interval', '1s']);
  await cluster.create('/apis/apps/v1/namespaces/default/deployments', greeter(node));
  await waitFor('the greeter Pod Running', async () => {
    const pods = await listPods(cluster, 'app=greeter');
    return pods.length === 1 && pods.every(isRunningAndReady);
  });
  const arch = (await cluster.api<{ status: { nodeInfo: { architecture: string } } }>(`/api/v1/nodes/${node}`)).status.nodeInfo.architecture;

  const browser: Browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.teardown(() => browser.close());
  /** Uncaught script errors on any page: there must be none (checked last). */
  const pageErrors: string[] = [];
  /**
   * Chromium aborts its requests in flight with ERR_NETWORK_CHANGED whenever the host's network
   * interfaces change, and Docker adds or removes one (a veth) for every container that starts or
   * stops on this host, this test's and any other's. That is a host event, not a dashboard
   * failure: a page load or a click hit by one is tried again (a write only after checking the
   * hub that it did not land), never one that failed for any other reason.
   */
  const networkChanges = new Map<Page, number>();
  const changesSeen = (page: Page): number => networkChanges.get(page) ?? 0;
  /** A page in a fresh browser profile (its own sessionStorage); what goes wrong in it is kept for the failure messages. */
  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('requestfailed', (request) => {
      if (request.failure()?.errorText.includes('ERR_NETWORK_CHANGED')) networkChanges.set(page, changesSeen(page) + 1);
      t.comment(`request failed: ${request.url()} ${request.failure()?.errorText}`);
    });
    page.on('console', (message) => message.type() === 'error' && t.comment(`console: ${message.text()}`));
    return page;
  }
  /** Loads `path` until its modules ran (the login button is enabled only then). */
  async function load(page: Page, path: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const before = changesSeen(page);
      // Docker adding or removing a veth for another test's container is a network change to
      // Chromium, which then aborts the navigation itself as well as requests.
      const navigated = await page.goto(`${cluster.apiUrl}${path}`).then(
        () => true,
        (err: Error) => (err.message.includes('ERR_NETWORK_CHANGED') && attempt < 3 ? false : Promise.reject(err)),
      );
      if (!navigated) {
        t.comment(`navigating to ${path} again: Chromium aborted it (the host's network changed)`);
        continue;
      }
      const ready = await page
        .locator('#login button[type=submit]:enabled')
        .waitFor({ timeout: 15_000 })
        .then(() => true, (err: Error) => (changesSeen(page) > before && attempt < 3 ? false : Promise.reject(err)));
      if (ready) return;
      t.comment(`reloading ${path}: Chromium aborted its modules (the host's network changed)`);
    }
  }
  /**
   * Clicks `target` until `shown` is true (it returns what the page shows instead). When a
   * request was aborted by a network change meanwhile, it waits for the page to settle, then
   * clicks again unless the page shows the outcome after all or `landed` finds it on the hub.
   */
  async function clickUntil(
    page: Page,
    target: Locator,
    what: string,
    check: { shown: () => Promise<string | true>; settled?: () => Promise<boolean>; landed?: () => Promise<boolean> },
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const before = changesSeen(page);
      await target.click();
      const outcome = await waitFor(what, async () => {
        const state = await check.shown();
        if (state === true) return 'shown';
        if (changesSeen(page) > before && (await (check.settled ?? (async () => true))())) return 'aborted';
        throw new Error(`the page shows ${JSON.stringify(state)}`);
      });
      if (outcome === 'shown' || (await check.shown()) === true || (await (check.landed ?? (async () => false))())) return;
      if (attempt === 3) throw new Error(`${what}: three attempts aborted by network changes`);
      t.comment(`${what}: clicking again, a request was aborted by a network change`);
    }
  }
  const textIs = (locator: Locator, expected: string | RegExp) => async (): Promise<string | true> => {
    const text = (await locator.textContent()) ?? '';
    return (typeof expected === 'string' ? text === expected : expected.test(text)) || text;
  };
  /** An action button, until the notice says `expected`; `landed` checks the hub before a second click. */
  const act = (page: Page, button: Locator, expected: string, landed?: () => Promise<boolean>): Promise<void> =>
    clickUntil(page, button, `the notice "${expected}"`, {
      shown: textIs(page.locator('#notice'), expected),
      settled: async () => (await page.locator('#notice').textContent()) !== 'Working…',
      ...(landed ? { landed } : {}),
    });
  /** Submits the login form until `shown` (the login check is a GET: repeating it is harmless). */
  async function logIn(page: Page, token: string, what: string, shown: () => Promise<string | true>): Promise<void> {
    await page.fill('#token', token);
    await clickUntil(page, page.locator('#login button[type=submit]'), what, {
      shown,
      settled: async () => (await page.locator('#login-error').textContent()) !== 'Checking…',
    });
  }
  /** A fresh page logged in with `token`. */
  async function openAs(token: string): Promise<Page> {
    const page = await newPage();
    await load(page, '/');
    t.equal(new URL(page.url()).pathname, '/dashboard/', "a browser's GET / lands on the dashboard");
    await logIn(page, token, 'the fleet view', async () => (await page.locator('#fleet-view').isVisible()) || `the login form says ${await page.locator('#login-error').textContent()}`);
    return page;
  }
  const row = (page: Page, table: string, key: string) => page.locator(`#${table} tbody tr[data-key="${key}"]`);

  const admin = await openAs(cluster.adminToken);

  await t.test('nodes, Deployments, Pods and Events show the real cluster', async (t) => {
    const nodeRow = row(admin, 'nodes', node);
    await nodeRow.waitFor();
    await waitForText(nodeRow.locator('td').nth(1), 'Ready', 'the node row to say Ready');
    // The Nodes and the Pods come in on watches of their own: the row counts its Pod once the
    // Pods' list has arrived too (a CI run read the row between the two and saw 0).
    await waitForText(nodeRow.locator('td').nth(7), '1', 'the node row to count its Pod');
    const cells = await nodeRow.locator('td').allTextContents();
    t.equal(cells[0], node);
    t.equal(cells[1], 'Ready');
    t.equal(cells[2], arch, "the node's architecture");
    t.equal(cells[7], '1', 'one Pod on it');
    t.match(cells[8], /ago$/, 'a heartbeat');

    await waitForText(row(admin, 'deployments', 'default/greeter').locator('td').nth(2), '1/1', 'the Deployment 1/1 ready');
    const [pod] = await listPods(cluster, 'app=greeter');
    const podCells = await row(admin, 'pods', `default/${pod!.metadata.name}`).locator('td').allTextContents();
    t.same(podCells.slice(1, 6), [pod!.metadata.name, '1/1', 'Running', '0', node], 'the Pod with its status, restarts and node');

    const events = await cluster.api<{ items: Array<{ reason: string; involvedObject: { kind: string; name: string } }> }>('/api/v1/namespaces/default/events');
    const scheduled = events.items.find((e) => e.involvedObject.name === pod!.metadata.name && e.reason === 'Scheduled');
    t.ok(scheduled, 'the hub recorded the scheduling');
    await waitFor('the Scheduled event on the page', async () =>
      (await admin.locator('#events tbody tr').allTextContents()).some((text) => text.includes('Scheduled') && text.includes(`pod/${pod!.metadata.name}`)),
    );
    await admin.screenshot({ path: join(ARTIFACTS, 'overview.png'), fullPage: true });
    await admin.setViewportSize({ width: 390, height: 844 }); // a phone
    await admin.screenshot({ path: join(ARTIFACTS, 'phone.png') });
    await admin.setViewportSize({ width: 1280, height: 900 });
  });

  await t.test("a Pod's logs", async () => {
    const [pod] = await listPods(cluster, 'app=greeter');
    await clickUntil(admin, row(admin, 'pods', `default/${pod!.metadata.name}`).locator('button[data-action=logs]'), 'the log line on the page', {
      shown: textIs(admin.locator('#logs-output'), new RegExp(LOG_LINE)),
    });
  });

  const path = '/apis/apps/v1/namespaces/default/deployments/greeter';
  await t.test('scale from the page: the hub changes, the page follows live', async (t) => {
    const deployment = row(admin, 'deployments', 'default/greeter');
    await deployment.locator('input.replicas').fill('2');
    await act(admin, deployment.locator('button[data-action=scale]'), 'deployment.apps/greeter scaled', async () => (await cluster.api<DeploymentView>(path)).spec.replicas === 2);
    t.equal((await cluster.api<DeploymentView>(path)).spec.replicas, 2, 'the hub holds 2 replicas');
    await waitForText(deployment.locator('td').nth(2), '2/2', 'the page to show 2/2 ready');
    await waitFor('two greeter Pods on the page', async () => (await admin.locator('#pods tbody tr[data-key^="default/greeter-"]').count()) === 2);
    await admin.screenshot({ path: join(ARTIFACTS, 'scaled.png'), fullPage: true });
  });

  await t.test('restart, then undo with the CLI logic the hub serves', async (t) => {
    const deployment = row(admin, 'deployments', 'default/greeter');
    const restartedAt = async (): Promise<string | undefined> => (await cluster.api<DeploymentView>(path)).spec.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'];
    await act(admin, deployment.locator('button[data-action=restart]'), 'deployment.apps/greeter restarted', async () => (await restartedAt()) !== undefined);
    t.match((await cluster.api<DeploymentView>(path)).spec.template.metadata?.annotations, { 'kubectl.kubernetes.io/restartedAt': /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/ });
    await waitFor('a second revision', async () => (await cluster.api<{ items: unknown[] }>('/apis/apps/v1/namespaces/default/replicasets')).items.length === 2);
    await act(admin, deployment.locator('button[data-action=undo]'), 'deployment.apps/greeter rolled back', async () => (await restartedAt()) === undefined);
    t.notOk((await cluster.api<DeploymentView>(path)).spec.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'], 'the first template is back');
  });

  await t.test('cordon from the page', async (t) => {
    const nodeRow = row(admin, 'nodes', node);
    await act(admin, nodeRow.locator('button[data-action=cordon]'), `node/${node} cordoned`, async () => (await cluster.api<{ spec?: { unschedulable?: boolean } }>(`/api/v1/nodes/${node}`)).spec?.unschedulable === true);
    await waitFor('the hub to mark the node unschedulable', async () => (await cluster.api<{ spec?: { unschedulable?: boolean } }>(`/api/v1/nodes/${node}`)).spec?.unschedulable === true);
    await waitForText(nodeRow.locator('td').nth(1), 'Ready,SchedulingDisabled', 'the page to say SchedulingDisabled');
    t.equal(await nodeRow.locator('button[data-action=uncordon]').textContent(), 'Uncordon');
  });

  await t.test("the node's memory sparkline, from the metrics store", async (t) => {
    // The first sample has a working set (CPU needs two: it is a rate).
    const memory = row(admin, 'nodes', node).locator('td').nth(4);
    await memory.locator('svg path').waitFor({ timeout: 60_000 });
    t.match(await memory.locator('svg path').getAttribute('d'), /^M\d+(\.\d)?,\d+(\.\d)?( L\d+(\.\d)?,\d+(\.\d)?)+$/);
    t.match(await memory.textContent(), /^\d+%$/, 'the working set as a share of the capacity');
  });

  await t.test('a read-only token sees data and gets a clear "forbidden" on an action', async (t) => {
    await cluster.create('/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'dash-viewer' } });
    await cluster.create(`/apis/${RBAC}/v1/clusterrolebindings`, {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: `dash-viewer-${cluster.id}` },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'ServiceAccount', name: 'dash-viewer', namespace: 'default' }],
    });
    const res = await cluster.post('/api/v1/namespaces/default/serviceaccounts/dash-viewer/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
    t.equal(res.status, 201);
    const viewer = await openAs(((await res.json()) as { status: { token: string } }).status.token);
    const deployment = row(viewer, 'deployments', 'default/greeter');
    await deployment.waitFor();
    await waitForText(
      viewer.locator('[data-error-for=nodes]'),
      /^Forbidden: nodes is forbidden: User "system:serviceaccount:default:dash-viewer" cannot list resource "nodes"/,
      'the nodes section to say forbidden',
    );
    await deployment.locator('input.replicas').fill('3');
    const forbidden =
      'Forbidden: deployments.apps "greeter" is forbidden: User "system:serviceaccount:default:dash-viewer" cannot update resource "deployments" in API group "apps" in the namespace "default"';
    await act(viewer, deployment.locator('button[data-action=scale]'), forbidden);
    t.ok(await viewer.locator('#notice.failed').isVisible(), 'shown as a failure');
    t.equal((await cluster.api<DeploymentView>(path)).spec.replicas, 2, 'nothing changed');
    await viewer.screenshot({ path: join(ARTIFACTS, 'read-only.png'), fullPage: true });
  });

  await t.test('the page says when the hub is unreachable, and goes live again after it is back', async (t) => {
    await cluster.stopHub();
    await waitForText(admin.locator('#connection'), /^Hub unreachable: .+; retrying…$/, 'the unreachable notice');
    await admin.screenshot({ path: join(ARTIFACTS, 'unreachable.png') });
    await cluster.startHub();
    await waitForText(admin.locator('#connection'), 'live', 'live again');
    const scaled = await cluster.skiff(['scale', 'deployment/greeter', '--replicas', '1']);
    t.equal(scaled.code, 0, scaled.stderr);
    await waitForText(row(admin, 'deployments', 'default/greeter').locator('td').nth(2), /^\d\/1$/, 'a change made after the restart, on the page');
  });

  await t.test('a wrong token is turned away at the login', async (t) => {
    const page = await newPage();
    await load(page, '/dashboard/');
    await logIn(page, 'not-a-token', 'the login error', textIs(page.locator('#login-error'), /^Token rejected \(401 Unauthorized\)/));
    t.ok(await page.locator('#fleet-view').isHidden());
  });

  t.same(pageErrors, [], 'no uncaught script error on any page');
});
