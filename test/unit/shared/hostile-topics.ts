/**
 * Topics an agent (authenticated as HOME_NODE) must never be allowed to publish or subscribe to:
 * wildcards, $SYS, other nodes, malformed layouts and names that are not DNS subdomains.
 */
import { DOWNWARD_CHANNELS, UPWARD_CHANNELS } from '../../../shared/mqtt/topics.js';

export const HOME_NODE = 'pi-1';

const channels = [...UPWARD_CHANNELS, ...DOWNWARD_CHANNELS];

export const HOSTILE_TOPICS: readonly string[] = [
  '#',
  '+',
  '+/+/+/+/+',
  'skiff/v1/nodes/+/desired',
  'skiff/v1/nodes/+/status',
  'skiff/v1/nodes/#',
  'skiff/v1/nodes/pi-1/#',
  'skiff/v1/nodes/pi-1/+',
  'skiff/#',
  'skiff/+/nodes/pi-1/status',
  '$SYS/x',
  '$SYS/#',
  '$share/g/skiff/v1/nodes/pi-1/desired',
  '',
  '/',
  `skiff/v1/nodes/${'a'.repeat(300)}/status`,
  `skiff/v1/nodes/pi-1/${'status'.repeat(1000)}`,
  ...channels.map((c) => `skiff/v1/nodes/pi-2/${c}`), // another node's topics
  'skiff/v1/nodes/pi-10/status',
  'skiff/v1/nodes/pi/status',
  'skiff/v1/nodes/pi-1/status/extra',
  'skiff/v1/nodes/pi-1/desired/extra',
  'skiff/v1/nodes/pi-1/status/',
  'skiff/v1/nodes/pi-1/desired/',
  '/skiff/v1/nodes/pi-1/status',
  'skiff/v1//nodes/pi-1/status',
  'skiff/v1/nodes//pi-1/status',
  'skiff/v1/nodes/pi-1',
  'skiff/v1/nodes/pi-1/',
  'skiff/v1/nodes/PI-1/status',
  'skiff/v1/nodes/Pi-1/desired',
  'SKIFF/v1/nodes/pi-1/status',
  'skiff/v2/nodes/pi-1/status',
  'skiff/v1/node/pi-1/status',
  'skiff/v1/nodes/pi-1/Status',
  'skiff/v1/nodes/pi-1/logs',
  'skiff/v1/nodes/pi-1 /status',
  'skiff/v1/nodes/pi-1/status\u0000',
  'skiff/v1/nodes/pi-1/../pi-2/status',
  'skiff/v1/nodes/./status',
  'skiff/v1/nodes/-pi/status',
  'skiff/v1/nodes/pi-/status',
  'skiff/v1/nodes/pi..1/status',
];

/** Node identities that are not DNS subdomains, paired with a topic that spells them in. */
export const HOSTILE_NODE_NAMES: readonly string[] = ['', '+', '#', 'a/b', 'pi-1/status', 'PI-1', 'pi_1', 'a'.repeat(254), '$SYS', 'pi-1 '];
