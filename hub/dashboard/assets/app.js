// @ts-check
/**
 * The dashboard page (docs/dashboard.md): login with a token, then live tables of nodes,
 * Deployments, Pods and Events kept by informers (watch.js), node sparklines from the metrics
 * series API, a Pod's logs, and the actions of actions.js. Everything here is DOM wiring; the
 * decisions (rows, words, geometry, API writes) live in the modules it imports, which Node tests
 * run. Text from the API only ever reaches the page as textContent, never as HTML.
 */
import { Api, ApiError, describeError } from './api.js';
import { parseReplicas, podLogPath, restartDeployment, scaleDeployment, setCordoned, undoDeployment } from './actions.js';
import { deploymentRow, eventRow, formatAge, latest, metricLabel, newestFirst, nodeRow, podRow, sparklinePath } from './format.js';
import { Informer, objectKey } from './watch.js';

const TOKEN_KEY = 'skiff.dashboard.token';
const SVG_NS = 'http://www.w3.org/2000/svg';
const METRICS_INTERVAL_MS = 30_000;
/** For the first minutes, while a node has no CPU or memory points yet (a fresh node), look again sooner. */
const METRICS_FIRST_INTERVAL_MS = 5_000;
const METRICS_FIRST_PERIOD_MS = 120_000;
const TICK_MS = 10_000;
const MAX_LOG_CHARS = 200_000;
const NODE_METRICS = /** @type {const} */ ([
  ['cpu', 'cpu_usage_cores'],
  ['memory', 'memory_working_set_bytes'],
  ['disk', 'filesystem_avail_bytes'],
  ['temperature', 'temperature_celsius'],
]);

/** @param {string} selector */
function $(selector) {
  const found = document.querySelector(selector);
  if (!found) throw new Error(`the page has no ${selector}`);
  return /** @type {HTMLElement} */ (found);
}

/**
 * @param {string} tag
 * @param {Record<string, string>} [attributes]
 * @param {...(Node | string)} children
 */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/**
 * A CSS class for a status word: "status-ready", "rollout-progressing"...
 * @param {string} prefix
 * @param {string} text
 */
function statusClass(prefix, text) {
  return `${prefix}-${text.split(',')[0]?.toLowerCase().replace(/[^a-z]/g, '')}`;
}

/**
 * @typedef {{ content: Node | string, className?: string }} Cell
 * @typedef {{ key: string, cells: Cell[], item: any }} Row
 * @typedef {{ node: Node, update(item: any): void }} Actions
 */

/**
 * A table body whose rows are keyed: data cells are rewritten on each render, the actions cell
 * is made once per row and only updated, so an input being typed into keeps its focus and value.
 */
class KeyedTable {
  /**
   * @param {HTMLElement} tbody
   * @param {((key: string, item: any) => Actions) | undefined} actions
   */
  constructor(tbody, actions) {
    this.tbody = tbody;
    this.actions = actions;
    /** @type {Map<string, { tr: HTMLElement, cells: HTMLElement[], actions: Actions | undefined }>} */
    this.rows = new Map();
  }

  /** @param {Row[]} rows */
  render(rows) {
    const seen = new Set();
    rows.forEach((row, index) => {
      seen.add(row.key);
      let entry = this.rows.get(row.key);
      if (!entry) {
        const cells = row.cells.map(() => el('td'));
        const actions = this.actions?.(row.key, row.item);
        const tr = el('tr', { 'data-key': row.key }, ...cells, ...(actions ? [el('td', { class: 'actions' }, actions.node)] : []));
        entry = { tr, cells, actions };
        this.rows.set(row.key, entry);
      }
      row.cells.forEach((cell, i) => {
        const td = /** @type {HTMLElement} */ (entry?.cells[i]);
        td.className = cell.className ?? '';
        td.replaceChildren(cell.content);
      });
      entry.actions?.update(row.item);
      if (this.tbody.children[index] !== entry.tr) this.tbody.insertBefore(entry.tr, this.tbody.children[index] ?? null);
    });
    for (const [key, entry] of this.rows) {
      if (!seen.has(key)) {
        entry.tr.remove();
        this.rows.delete(key);
      }
    }
  }
}

/**
 * An inline SVG sparkline with its newest value, or "n/a".
 * @param {ReadonlyArray<readonly [number, number]> | undefined} points
 * @param {string} label
 * @param {{ min?: number }} range
 */
function sparkline(points, label, range) {
  if (!points || points.length === 0) return el('span', { class: 'muted' }, 'n/a');
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 60 18');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', sparklinePath(points, 60, 18, range));
  svg.append(path);
  return el('span', { class: 'spark' }, svg, label);
}

class Dashboard {
  /** @param {string} token */
  constructor(token) {
    this.api = new Api(token);
    /** @type {Record<string, Informer>} */
    this.informers = {};
    /** @type {Map<string, unknown>} which informers failed, for the connection line */
    this.failures = new Map();
    /** @type {Record<string, Map<string, Array<[number, number]>>>} metric -> node -> points */
    this.series = {};
    this.seriesError = '';
    /** @type {AbortController | undefined} */
    this.logs = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.pending = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.metricsTimer = undefined;
    this.startedAt = Date.now();
    /** @type {Array<ReturnType<typeof setInterval>>} */
    this.timers = [];
    this.nodes = new KeyedTable($('#nodes tbody'), (key) => this.nodeActions(key));
    this.deployments = new KeyedTable($('#deployments tbody'), (key) => this.deploymentActions(key));
    this.pods = new KeyedTable($('#pods tbody'), (key, pod) => this.podActions(pod));
    this.events = new KeyedTable($('#events tbody'), undefined);
  }

  start() {
    this.watchAll();
    void this.refreshMetrics();
    this.timers.push(setInterval(() => this.schedule(), TICK_MS));
  }

  stop() {
    for (const informer of Object.values(this.informers)) informer.stop();
    this.informers = {};
    for (const timer of this.timers) clearInterval(timer);
    this.logs?.abort();
    clearTimeout(this.pending);
    clearTimeout(this.metricsTimer);
  }

  /** (Re)starts the informers for the namespace in the header (blank: all namespaces). */
  watchAll() {
    for (const informer of Object.values(this.informers)) informer.stop();
    const namespace = /** @type {HTMLInputElement} */ ($('#namespace')).value.trim();
    const scoped = (/** @type {string} */ group, /** @type {string} */ plural) => (namespace ? `${group}/namespaces/${encodeURIComponent(namespace)}/${plural}` : `${group}/${plural}`);
    const paths = {
      nodes: '/api/v1/nodes',
      deployments: scoped('/apis/apps/v1', 'deployments'),
      pods: scoped('/api/v1', 'pods'),
      events: scoped('/api/v1', 'events'),
    };
    this.failures.clear();
    this.informers = Object.fromEntries(
      Object.entries(paths).map(([name, path]) => [
        name,
        new Informer(this.api, path, { onChange: () => this.schedule(), onStatus: (err) => this.reportStatus(name, err) }).start(),
      ]),
    );
    this.schedule();
  }

  /**
   * @param {string} name
   * @param {unknown} err
   */
  reportStatus(name, err) {
    const failure = err === undefined ? undefined : describeError(err);
    if (failure?.kind === 'unauthorized') return logout(failure.message);
    if (failure) this.failures.set(name, failure);
    else this.failures.delete(name);
    const section = document.querySelector(`[data-error-for="${name}"]`);
    if (section) section.textContent = failure && failure.kind !== 'unreachable' ? failure.message : '';
    const unreachable = [...this.failures.values()].find((f) => /** @type {{ kind: string }} */ (f).kind === 'unreachable');
    const connection = $('#connection');
    connection.textContent = unreachable ? `${/** @type {{ message: string }} */ (unreachable).message}; retrying…` : 'live';
    connection.classList.toggle('down', unreachable !== undefined);
  }

  /** Renders at most once per burst of watch events. */
  schedule() {
    clearTimeout(this.pending);
    this.pending = setTimeout(() => this.render(), 30);
  }

  /** Reads the node series, then schedules the next read (sooner while there is no data yet). */
  async refreshMetrics() {
    const base = '/apis/metrics.skiff.io/v1alpha1/series?since=1h&namespace=&pod=&container=&metric=';
    try {
      for (const [, metric] of NODE_METRICS) {
        const list = await this.api.get(base + metric);
        /** @type {Map<string, Array<[number, number]>>} */
        const byNode = new Map();
        for (const s of list.items ?? []) {
          // filesystem_avail_bytes has one series per mountpoint: the root filesystem, else the first.
          if (!byNode.has(s.labels.node) || s.labels.label === '/') byNode.set(s.labels.node, s.points);
        }
        this.series[metric] = byNode;
      }
      this.seriesError = '';
    } catch (err) {
      this.seriesError = describeError(err).message;
    }
    this.schedule();
    const nodes = this.informers.nodes;
    if (!nodes) return; // stopped meanwhile
    const missing = nodes.items().some((n) => !this.series.cpu_usage_cores?.has(n.metadata.name) || !this.series.memory_working_set_bytes?.has(n.metadata.name));
    const early = this.seriesError === '' && missing && Date.now() - this.startedAt < METRICS_FIRST_PERIOD_MS;
    this.metricsTimer = setTimeout(() => void this.refreshMetrics(), early ? METRICS_FIRST_INTERVAL_MS : METRICS_INTERVAL_MS);
  }

  render() {
    const now = Date.now();
    const items = (/** @type {string} */ name) => this.informers[name]?.items() ?? [];
    const pods = items('pods');

    this.nodes.render(
      items('nodes')
        .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
        .map((node) => {
          const row = nodeRow(node, pods);
          const metric = (/** @type {'cpu' | 'memory' | 'disk' | 'temperature'} */ kind, /** @type {string} */ name, /** @type {number | undefined} */ capacity) => {
            const points = this.series[name]?.get(row.name);
            const cell = sparkline(points, metricLabel(kind, latest(points), capacity), kind === 'temperature' ? {} : { min: 0 });
            if (this.seriesError && !points) /** @type {HTMLElement} */ (cell).title = this.seriesError;
            return { content: cell };
          };
          return {
            key: row.name,
            item: row,
            cells: [
              { content: row.name },
              { content: row.status, className: statusClass('status', row.status) },
              { content: row.arch },
              metric('cpu', 'cpu_usage_cores', row.cpuCores),
              metric('memory', 'memory_working_set_bytes', row.memoryBytes),
              metric('disk', 'filesystem_avail_bytes', undefined),
              metric('temperature', 'temperature_celsius', undefined),
              { content: String(row.pods) },
              { content: row.lastHeartbeat ? `${formatAge(row.lastHeartbeat, now)} ago` : 'never' },
            ],
          };
        }),
    );

    this.deployments.render(
      items('deployments')
        .map(deploymentRow)
        .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name))
        .map((row) => {
          const bar = el('span', { class: `progress p${Math.round(row.progress * 10)}` }, el('span'));
          return {
            key: `${row.namespace}/${row.name}`,
            item: row,
            cells: [
              { content: row.namespace },
              { content: row.name },
              { content: row.ready },
              { content: String(row.upToDate) },
              { content: String(row.available) },
              { content: el('span', {}, bar, row.rollout), className: `rollout-${row.rollout}` },
            ],
          };
        }),
    );

    this.pods.render(
      pods
        .map((pod) => ({ pod, row: podRow(pod) }))
        .sort((a, b) => a.row.namespace.localeCompare(b.row.namespace) || a.row.name.localeCompare(b.row.name))
        .map(({ pod, row }) => ({
          key: objectKey(pod),
          item: pod,
          cells: [
            { content: row.namespace },
            { content: row.name },
            { content: row.ready },
            { content: row.status, className: statusClass('status', row.status) },
            { content: String(row.restarts) },
            { content: row.node || '<none>' },
            { content: formatAge(row.created, now) },
          ],
        })),
    );

    this.events.render(
      newestFirst(items('events'), (e) => eventRow(e).lastSeen)
        .slice(0, 100)
        .map((e) => {
          const row = eventRow(e);
          return {
            key: objectKey(e),
            item: row,
            cells: [
              { content: formatAge(row.lastSeen, now) },
              { content: row.type, className: `event-${row.type.toLowerCase()}` },
              { content: row.reason },
              { content: row.object },
              { content: row.count > 1 ? `${row.message} (x${row.count})` : row.message, className: 'message' },
            ],
          };
        }),
    );
  }

  /**
   * Runs an action and says how it went in the notice line.
   * @param {() => Promise<string>} action
   */
  async act(action) {
    const notice = $('#notice');
    notice.classList.remove('failed');
    notice.textContent = 'Working…';
    try {
      notice.textContent = await action();
    } catch (err) {
      const failure = describeError(err);
      if (failure.kind === 'unauthorized') return logout(failure.message);
      notice.classList.add('failed');
      notice.textContent = failure.message;
    }
  }

  /** @param {string} name */
  nodeActions(name) {
    const button = el('button', { type: 'button', 'data-action': 'cordon' }, 'Cordon');
    let cordoned = false;
    button.addEventListener('click', () => this.act(() => setCordoned(this.api, name, !cordoned)));
    return {
      node: button,
      update: (/** @type {{ cordoned: boolean }} */ row) => {
        cordoned = row.cordoned;
        button.textContent = cordoned ? 'Uncordon' : 'Cordon';
        button.dataset.action = cordoned ? 'uncordon' : 'cordon';
      },
    };
  }

  /** @param {string} key namespace/name */
  deploymentActions(key) {
    const [namespace = '', name = ''] = key.split('/');
    const replicas = /** @type {HTMLInputElement} */ (el('input', { class: 'replicas', type: 'number', min: '0', 'aria-label': `replicas of ${name}` }));
    const scale = el('button', { type: 'button', 'data-action': 'scale' }, 'Scale');
    const restart = el('button', { type: 'button', 'data-action': 'restart' }, 'Restart');
    const undo = el('button', { type: 'button', 'data-action': 'undo' }, 'Undo');
    scale.addEventListener('click', () => this.act(() => scaleDeployment(this.api, namespace, name, parseReplicas(replicas.value))));
    restart.addEventListener('click', () => this.act(() => restartDeployment(this.api, namespace, name, new Date())));
    undo.addEventListener('click', () => this.act(async () => undoDeployment(this.api, namespace, name, await loadRollbackLogic())));
    let shown = -1;
    return {
      node: el('span', { class: 'actions' }, replicas, scale, restart, undo),
      update: (/** @type {{ desired: number }} */ row) => {
        // The field follows the Deployment unless someone is typing a new count into it.
        if (row.desired !== shown && document.activeElement !== replicas) replicas.value = String(row.desired);
        shown = row.desired;
      },
    };
  }

  /** @param {any} pod */
  podActions(pod) {
    const button = el('button', { type: 'button', 'data-action': 'logs' }, 'Logs');
    button.addEventListener('click', () => this.showLogs(pod.metadata.namespace, pod.metadata.name, pod.spec?.containers?.[0]?.name));
    return { node: button, update: () => undefined };
  }

  /**
   * Streams a Pod's logs (its first container; the last 200 lines, then as they come).
   * @param {string} namespace
   * @param {string} name
   * @param {string | undefined} container
   */
  async showLogs(namespace, name, container) {
    this.logs?.abort();
    const controller = new AbortController();
    this.logs = controller;
    const output = $('#logs-output');
    const error = $('[data-error-for="logs"]');
    $('#logs-title').textContent = `${namespace}/${name}${container ? ` (${container})` : ''}`;
    output.textContent = '';
    error.textContent = '';
    try {
      const res = await this.api.send('GET', podLogPath(namespace, name, { ...(container ? { container } : {}), tailLines: 200, follow: true }), { accept: '*/*', signal: controller.signal });
      const reader = /** @type {ReadableStream<Uint8Array>} */ (res.body).getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const text = (output.textContent ?? '') + decoder.decode(value, { stream: true });
        output.textContent = text.length > MAX_LOG_CHARS ? text.slice(-MAX_LOG_CHARS) : text;
        output.scrollTop = output.scrollHeight;
      }
    } catch (err) {
      if (controller.signal.aborted) return;
      // A failure after the stream started is not an ApiError: say what it interrupted.
      error.textContent = err instanceof ApiError ? describeError(err).message : `Log stream interrupted: ${describeError(err).message}`;
    }
  }
}

/** @type {Promise<import('./actions.js').RollbackLogic> | undefined} */
let rollbackLogic;

/** The CLI's rollback logic, compiled, from the hub (serve-dashboard.ts BROWSER_ENTRY_MODULES and their imports). */
function loadRollbackLogic() {
  const lib = './lib/'; // a computed specifier: these modules exist only on the hub, not beside this file
  rollbackLogic ??= Promise.all([import(`${lib}hub/cli/rollout-logic.js`), import(`${lib}shared/api/annotations.js`)])
    .then(([logic, annotations]) => ({ ...logic, rollbackAnnotations: annotations.rollbackAnnotations }))
    .catch((err) => {
      rollbackLogic = undefined;
      throw new Error(`undo is unavailable: this hub does not serve the compiled rollout logic (${err instanceof Error ? err.message : err})`);
    });
  return rollbackLogic;
}

/** @type {Dashboard | undefined} */
let dashboard;

/** @param {string} token */
function enter(token) {
  $('#login-view').hidden = true;
  $('#fleet-view').hidden = false;
  $('#logout').hidden = false;
  $('#scope').hidden = false;
  dashboard = new Dashboard(token);
  dashboard.start();
}

/** @param {string} [message] why, when the hub sent us here */
function logout(message = '') {
  dashboard?.stop();
  dashboard = undefined;
  sessionStorage.removeItem(TOKEN_KEY);
  $('#login-view').hidden = false;
  $('#fleet-view').hidden = true;
  $('#logout').hidden = true;
  $('#scope').hidden = true;
  $('#connection').textContent = '';
  $('#login-error').textContent = message;
}

/** Checks a token against the API (discovery, which every authenticated user may read) before entering. */
async function login(/** @type {SubmitEvent} */ event) {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($('#token'));
  const token = input.value.trim();
  const error = $('#login-error');
  error.textContent = 'Checking…';
  try {
    await new Api(token).get('/api');
  } catch (err) {
    error.textContent = describeError(err).message;
    return;
  }
  error.textContent = '';
  input.value = '';
  sessionStorage.setItem(TOKEN_KEY, token);
  enter(token);
}

$('#login').addEventListener('submit', (event) => void login(/** @type {SubmitEvent} */ (event)));
/** @type {HTMLButtonElement} */ ($('#login button[type=submit]')).disabled = false;
$('#logout').addEventListener('click', () => logout());
$('#scope').addEventListener('submit', (event) => event.preventDefault());
$('#namespace').addEventListener('change', () => dashboard?.watchAll());
const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) enter(saved);
