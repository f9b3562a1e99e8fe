// @ts-check
/**
 * The dashboard's actions, as the same API writes the CLI sends (so RBAC, validation and the
 * controllers see no difference): scale and rollout restart / undo on a Deployment
 * (hub/cli/actions/rollout.ts), cordon / uncordon on a Node (hub/cli/actions/cordon.ts). Each
 * resolves to kubectl's success line. Undo runs the CLI's own pure logic
 * (hub/cli/rollout-logic.ts, served compiled under /dashboard/lib/), passed in as `logic`.
 */
import { updateObject } from './api.js';

/** The Deployment controller's restart annotation (shared/api/annotations.ts RESTARTED_AT_ANNOTATION). */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

/**
 * @param {string} namespace
 * @param {string} name
 */
export function deploymentPath(namespace, name) {
  return `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments/${encodeURIComponent(name)}`;
}

/** @param {string} name */
export function nodePath(name) {
  return `/api/v1/nodes/${encodeURIComponent(name)}`;
}

/**
 * @param {string} namespace
 * @param {string} pod
 * @param {{ container?: string, tailLines?: number, follow?: boolean }} options
 */
export function podLogPath(namespace, pod, options) {
  const query = new URLSearchParams();
  if (options.container) query.set('container', options.container);
  if (options.tailLines !== undefined) query.set('tailLines', String(options.tailLines));
  if (options.follow) query.set('follow', 'true');
  const text = query.toString();
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log${text ? `?${text}` : ''}`;
}

/**
 * A replica count as `skiff scale --replicas` accepts it: a whole number from 0.
 * @param {string} text
 */
export function parseReplicas(text) {
  if (!/^\d+$/.test(text.trim())) throw new Error(`replicas must be a whole number from 0, not "${text}"`);
  return Number(text.trim());
}

/**
 * @param {import('./api.js').Api} api
 * @param {string} namespace
 * @param {string} name
 * @param {number} replicas
 */
export async function scaleDeployment(api, namespace, name, replicas) {
  await updateObject(api, deploymentPath(namespace, name), (d) => {
    d.spec = { ...d.spec, replicas };
    return d;
  });
  return `deployment.apps/${name} scaled`;
}

/**
 * kubectl's ObjectRestarter: a new restartedAt annotation on the Pod template rolls every Pod.
 * @param {import('./api.js').Api} api
 * @param {string} namespace
 * @param {string} name
 * @param {Date} now
 */
export async function restartDeployment(api, namespace, name, now) {
  await updateObject(api, deploymentPath(namespace, name), (d) => {
    if (d.spec?.paused) throw new Error(`deployments.apps "${name}" can't restart paused deployment (run rollout resume first)`);
    d.spec ??= {};
    d.spec.template ??= {};
    const template = d.spec.template;
    // RFC 3339 without fractional seconds, as kubectl writes it.
    template.metadata = { ...template.metadata, annotations: { ...template.metadata?.annotations, [RESTARTED_AT_ANNOTATION]: now.toISOString().replace(/\.\d+Z$/, 'Z') } };
    return d;
  });
  return `deployment.apps/${name} restarted`;
}

/**
 * @typedef {{
 *   ownedReplicaSets(items: any[], uid: string | undefined): any[],
 *   rollbackTarget(replicaSets: any[], toRevision: number, name: string): any,
 *   templatesEqualIgnoreHash(a: any, b: any): boolean,
 *   templateWithoutHash(template: any): any,
 *   revisionOf(rs: any): number,
 *   rollbackAnnotations(deployment: Record<string, string> | undefined, replicaSet: Record<string, string> | undefined): Record<string, string>,
 * }} RollbackLogic the pure functions of hub/cli/rollout-logic.ts and shared/api/annotations.ts
 */

/**
 * `skiff rollout undo deployment/NAME` (runRolloutUndo in hub/cli/actions/rollout.ts): the
 * previous revision's template replaces the Deployment's, unless it already is that one.
 * @param {import('./api.js').Api} api
 * @param {string} namespace
 * @param {string} name
 * @param {RollbackLogic} logic
 */
export async function undoDeployment(api, namespace, name, logic) {
  /** @type {number | undefined} */
  let skipped;
  await updateObject(api, deploymentPath(namespace, name), async (d) => {
    skipped = undefined;
    const list = await api.get(`/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/replicasets`);
    const rs = logic.rollbackTarget(logic.ownedReplicaSets(list.items ?? [], d.metadata.uid), 0, name);
    if (d.spec?.paused) throw new Error(`you cannot rollback a paused deployment; resume it first with 'skiff rollout resume deployment/${name}' and try again`);
    if (logic.templatesEqualIgnoreHash(rs.spec?.template, d.spec?.template)) {
      skipped = logic.revisionOf(rs);
      return undefined;
    }
    d.spec = { ...d.spec, template: logic.templateWithoutHash(rs.spec?.template) };
    const annotations = logic.rollbackAnnotations(d.metadata.annotations, rs.metadata.annotations);
    if (Object.keys(annotations).length > 0) d.metadata.annotations = annotations;
    else delete d.metadata.annotations;
    return d;
  });
  return skipped !== undefined ? `deployment.apps/${name} skipped rollback (current template already matches revision ${skipped})` : `deployment.apps/${name} rolled back`;
}

/**
 * `skiff cordon` / `uncordon` for one node (setUnschedulable in hub/cli/actions/cordon.ts).
 * @param {import('./api.js').Api} api
 * @param {string} name
 * @param {boolean} desired
 */
export async function setCordoned(api, name, desired) {
  const { changed } = await updateObject(api, nodePath(name), (node) => {
    if ((node.spec?.unschedulable ?? false) === desired) return undefined;
    node.spec ??= {};
    if (desired) node.spec.unschedulable = true;
    else delete node.spec.unschedulable;
    return node;
  });
  return `node/${name} ${changed ? '' : 'already '}${desired ? 'cordon' : 'uncordon'}ed`;
}
