/**
 * Which printer serves which kind, and `printTable`, the one entry point the hub's API calls to
 * answer a Table request. Pure: the clock comes in as `now`.
 */
import type { KubeObject } from '../../shared/api/object.js';
import type { ResourceType } from '../../shared/api/resources.js';
import type { Namespace, Node } from '../../shared/api/schema/cluster.js';
import type { ConfigMap, Secret } from '../../shared/api/schema/config.js';
import type { HorizontalPodAutoscaler } from '../../shared/api/schema/autoscaling.js';
import type { ControllerRevision } from '../../shared/api/schema/controller-revision.js';
import type { Event } from '../../shared/api/schema/event.js';
import type { Pod } from '../../shared/api/schema/pod.js';
import type { DaemonSet, Deployment, ReplicaSet } from '../../shared/api/schema/workloads.js';
import { configMapCells, configMapColumns } from './config-map.js';
import { controllerRevisionCells, controllerRevisionColumns } from './controller-revision.js';
import { daemonSetCells, daemonSetColumns } from './daemon-set.js';
import { deploymentCells, deploymentColumns } from './deployment.js';
import { eventCells, eventColumns } from './event.js';
import { genericCells, genericColumns } from './generic.js';
import { hpaCells, hpaColumns } from './hpa.js';
import { ingressCells, ingressColumns } from './ingress.js';
import type { Ingress } from '../../shared/api/schema/ingress.js';
import { namespaceCells, namespaceColumns } from './namespace.js';
import { nodeCells, nodeColumns } from './node.js';
import { podCells, podColumns } from './pod.js';
import { replicaSetCells, replicaSetColumns } from './replica-set.js';
import { secretCells, secretColumns } from './secret.js';
import { endpointsCells, endpointsColumns, serviceCells, serviceColumns } from './service.js';
import type { Endpoints, Service } from '../../shared/api/schema/service.js';
import { bindingCells, bindingColumns, roleCells, roleColumns, serviceAccountCells, serviceAccountColumns } from './rbac.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding, ServiceAccount } from '../../shared/api/schema/rbac.js';
import { partialObjectMetadata, type Table, type TableCell, type TableColumnDefinition } from './table.js';

export interface Printer {
  columns: TableColumnDefinition[];
  /** One cell per column, wide columns included (the client hides them unless `-o wide`). */
  cells(object: KubeObject, now: Date): TableCell[];
}

// The casts are safe: objects reach a printer only after the API validated them against the
// schema of their kind, and every printer tolerates a missing status.
const PRINTERS: Record<string, Printer> = {
  'v1/Pod': { columns: podColumns, cells: (o, now) => podCells(o as unknown as Pod, now) },
  'v1/Node': { columns: nodeColumns, cells: (o, now) => nodeCells(o as unknown as Node, now) },
  'v1/Namespace': { columns: namespaceColumns, cells: (o, now) => namespaceCells(o as unknown as Namespace, now) },
  'v1/Event': { columns: eventColumns, cells: (o, now) => eventCells(o as unknown as Event, now) },
  'v1/ConfigMap': { columns: configMapColumns, cells: (o, now) => configMapCells(o as unknown as ConfigMap, now) },
  'v1/Secret': { columns: secretColumns, cells: (o, now) => secretCells(o as unknown as Secret, now) },
  'v1/Service': { columns: serviceColumns, cells: (o, now) => serviceCells(o as unknown as Service, now) },
  'v1/Endpoints': { columns: endpointsColumns, cells: (o, now) => endpointsCells(o as unknown as Endpoints, now) },
  'apps/Deployment': { columns: deploymentColumns, cells: (o, now) => deploymentCells(o as unknown as Deployment, now) },
  'apps/ReplicaSet': { columns: replicaSetColumns, cells: (o, now) => replicaSetCells(o as unknown as ReplicaSet, now) },
  'apps/DaemonSet': { columns: daemonSetColumns, cells: (o, now) => daemonSetCells(o as unknown as DaemonSet, now) },
  'apps/ControllerRevision': { columns: controllerRevisionColumns, cells: (o, now) => controllerRevisionCells(o as unknown as ControllerRevision, now) },
  'v1/ServiceAccount': { columns: serviceAccountColumns, cells: (o, now) => serviceAccountCells(o as unknown as ServiceAccount, now) },
  'rbac.authorization.k8s.io/Role': { columns: roleColumns, cells: (o) => roleCells(o as unknown as Role) },
  'rbac.authorization.k8s.io/ClusterRole': { columns: roleColumns, cells: (o) => roleCells(o as unknown as ClusterRole) },
  'rbac.authorization.k8s.io/RoleBinding': { columns: bindingColumns, cells: (o, now) => bindingCells(o as unknown as RoleBinding, now) },
  'rbac.authorization.k8s.io/ClusterRoleBinding': { columns: bindingColumns, cells: (o, now) => bindingCells(o as unknown as ClusterRoleBinding, now) },
  'autoscaling/HorizontalPodAutoscaler': { columns: hpaColumns, cells: (o, now) => hpaCells(o as unknown as HorizontalPodAutoscaler, now) },
  'networking.k8s.io/Ingress': { columns: ingressColumns, cells: (o, now) => ingressCells(o as unknown as Ingress, now) },
};

const GENERIC: Printer = { columns: genericColumns, cells: genericCells };

export function printerFor(resource: Pick<ResourceType, 'group' | 'kind'>): Printer {
  return PRINTERS[`${resource.group || 'v1'}/${resource.kind}`] ?? GENERIC;
}

export function printTable(resource: ResourceType, objects: KubeObject[], now: Date): Table {
  const printer = printerFor(resource);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {},
    columnDefinitions: printer.columns,
    rows: objects.map((object) => ({ cells: printer.cells(object, now), object: partialObjectMetadata(object.metadata) })),
  };
}
