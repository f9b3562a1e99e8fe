/**
 * The `default` ServiceAccount of every namespace, as kube-controller-manager's
 * serviceaccounts-controller (pkg/controller/serviceaccount/serviceaccounts_controller.go): each
 * active namespace gets one, and gets it back when it is deleted, so that there is always an
 * identity to bind roles to and to request tokens for. A Terminating namespace is left alone, so
 * that the namespace controller can empty it. Keys are namespace names; a namespace appearing or
 * changing, or a `default` ServiceAccount going away, enqueues its namespace.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { resolveResource } from '../../shared/api/resources.js';
import { isSkiffError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { applyDefaults } from '../api/defaults.js';
import { isTerminating } from '../objects/deletion.js';
import type { Change, Store } from '../store/store.js';
import { QueueController } from './controller.js';

const namespaces = resolveResource('namespaces')!;
const serviceAccounts = resolveResource('serviceaccounts')!;

/** The ServiceAccounts every namespace has (the controller's --service-account names: just `default`). */
export const DEFAULT_SERVICE_ACCOUNTS: readonly string[] = ['default'];

export class ServiceAccountController extends QueueController {
  constructor(store: Store, logger: Logger) {
    super('serviceaccount-controller', store, logger);
  }

  onChange(change: Change): void {
    if (change.resource === namespaces) {
      if (change.type !== 'DELETED') this.queue.add(change.object.metadata.name!);
      return;
    }
    const { namespace, name } = change.object.metadata;
    if (change.resource === serviceAccounts && change.type === 'DELETED' && namespace && DEFAULT_SERVICE_ACCOUNTS.includes(name!)) {
      this.queue.add(namespace);
    }
  }

  async resync(): Promise<void> {
    for (const ns of await this.store.list(namespaces)) this.queue.add(ns.metadata.name!);
  }

  protected async sync(namespace: string): Promise<void> {
    const ns = await this.store.get(namespaces, undefined, namespace);
    if (!ns || isTerminating(ns)) return;
    for (const name of DEFAULT_SERVICE_ACCOUNTS) {
      if (await this.store.get(serviceAccounts, namespace, name)) continue;
      const account: KubeObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } };
      try {
        await this.store.create(serviceAccounts, applyDefaults(account));
        this.logger.info({ namespace, serviceAccount: name }, 'created the default ServiceAccount');
      } catch (err) {
        // Someone created it between the read and the write: what this sync wanted.
        if (!(isSkiffError(err) && err.code === 'SKIFF_ERR_ALREADY_EXISTS')) throw err;
      }
    }
  }
}
