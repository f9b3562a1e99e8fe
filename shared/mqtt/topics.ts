/**
 * Every MQTT topic Skiff uses, built and parsed here only (never concatenated inline).
 * Layout: skiff/v1/nodes/{node}/{channel}. Node names are DNS subdomains, so they never contain
 * the MQTT wildcards '+' and '#' nor '/'; parseNodeTopic rejects anything else.
 */
import { isDnsSubdomain } from '../api/names.js';

export const TOPIC_PREFIX = 'skiff/v1';

/**
 * hub -> agent. desired: retained, QoS 1, the node's full desired state; requests: QoS 0, never
 * retained nor queued for an absent node, what someone asks of the node now (NodeRequest: a Pod's
 * logs, or the end of such a stream), answered on `streams`.
 */
export const DOWNWARD_CHANNELS = ['desired', 'requests'] as const;
/**
 * agent -> hub. presence is retained, 'online' on connect and 'offline' as the last will;
 * events carries what happened to the node's pods (EventReport), QoS 1, not retained;
 * metrics carries usage samples (MetricsReport), QoS 1, not retained; streams carries the answers
 * to requests (StreamChunk, shared/mqtt/node-requests.ts), QoS 1, not retained; lease is the
 * node's heartbeat when nothing changed (an empty message, QoS 0, not retained: Kubernetes' node
 * Lease, so that staying alive costs a few bytes and no store write, not a full status).
 */
export const UPWARD_CHANNELS = ['status', 'presence', 'metrics', 'events', 'streams', 'lease'] as const;

/** The only upward channel a node may publish with retain (its presence and the will that sets it offline). */
export const RETAINED_UPWARD_CHANNELS: readonly UpwardChannel[] = ['presence'];

export type DownwardChannel = (typeof DOWNWARD_CHANNELS)[number];
export type UpwardChannel = (typeof UPWARD_CHANNELS)[number];
export type Channel = DownwardChannel | UpwardChannel;

/** Node names are DNS subdomains, as Kubernetes' (so never '+', '#' or '/'). */
export function isValidNodeName(name: string): boolean {
  return isDnsSubdomain(name);
}

export function nodeTopic(node: string, channel: Channel): string {
  if (!isValidNodeName(node)) throw new RangeError(`invalid node name for a topic: ${JSON.stringify(node)}`);
  return `${TOPIC_PREFIX}/nodes/${node}/${channel}`;
}

export const desiredTopic = (node: string): string => nodeTopic(node, 'desired');
export const statusTopic = (node: string): string => nodeTopic(node, 'status');
export const presenceTopic = (node: string): string => nodeTopic(node, 'presence');
export const eventsTopic = (node: string): string => nodeTopic(node, 'events');
export const metricsTopic = (node: string): string => nodeTopic(node, 'metrics');
export const requestsTopic = (node: string): string => nodeTopic(node, 'requests');
export const streamsTopic = (node: string): string => nodeTopic(node, 'streams');
export const leaseTopic = (node: string): string => nodeTopic(node, 'lease');

/** Subscription filter the hub uses to ingest one upward channel from every node. */
export function allNodesFilter(channel: UpwardChannel): string {
  return `${TOPIC_PREFIX}/nodes/+/${channel}`;
}

/**
 * hub -> every agent: retained, QoS 1, the fleet's Services (ServicesView, services-view.ts). One
 * topic all nodes may read, as every kube-proxy reads every Service and EndpointSlice: a NodePort
 * answers on every node. It holds no Secret and nothing of one node's Pods but their IPs.
 */
export const FLEET_SERVICES_TOPIC = `${TOPIC_PREFIX}/fleet/services`;

/** The topics outside nodes/{node}/ that any logged-in node may subscribe to (and receive). */
export const FLEET_TOPICS: readonly string[] = [FLEET_SERVICES_TOPIC];

export function parseNodeTopic(topic: string): { node: string; channel: Channel } | undefined {
  const parts = topic.split('/');
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== TOPIC_PREFIX || parts[2] !== 'nodes') return undefined;
  const node = parts[3]!;
  const channel = parts[4]! as Channel;
  if (!isValidNodeName(node)) return undefined;
  if (!(DOWNWARD_CHANNELS as readonly string[]).includes(channel) && !(UPWARD_CHANNELS as readonly string[]).includes(channel)) return undefined;
  return { node, channel };
}

/**
 * The MQTT client id of a node's agent. The broker accepts a node's credentials only with this id,
 * so one node can never take over (or knock off, or read the queued messages of) another node's
 * persistent session by presenting its client id.
 */
export function agentClientId(node: string): string {
  return `skiff-agent-${node}`;
}

export const PRESENCE_ONLINE = 'online';
export const PRESENCE_OFFLINE = 'offline';
