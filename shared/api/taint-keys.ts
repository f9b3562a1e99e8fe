/**
 * Kubernetes' well-known taint keys (k8s.io/api/core/v1 well_known_taints.go): the node
 * lifecycle controller puts them on nodes, admission and the DaemonSet controller add
 * tolerations for them, the scheduler reads them. One spelling for all of those.
 */
export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';
export const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
export const MEMORY_PRESSURE_TAINT = 'node.kubernetes.io/memory-pressure';
export const DISK_PRESSURE_TAINT = 'node.kubernetes.io/disk-pressure';
export const PID_PRESSURE_TAINT = 'node.kubernetes.io/pid-pressure';
export const UNSCHEDULABLE_TAINT = 'node.kubernetes.io/unschedulable';
export const NETWORK_UNAVAILABLE_TAINT = 'node.kubernetes.io/network-unavailable';
