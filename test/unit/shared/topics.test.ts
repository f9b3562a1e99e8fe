import t from 'tap';
import {
  DOWNWARD_CHANNELS,
  UPWARD_CHANNELS,
  allNodesFilter,
  desiredTopic,
  isValidNodeName,
  nodeTopic,
  parseNodeTopic,
  presenceTopic,
  statusTopic,
  type Channel,
} from '../../../shared/mqtt/topics.js';
import { HOSTILE_NODE_NAMES, HOSTILE_TOPICS } from './hostile-topics.js';

const CHANNELS: Channel[] = [...UPWARD_CHANNELS, ...DOWNWARD_CHANNELS];

t.test('builds topics under skiff/v1/nodes/{node}/{channel}', async (t) => {
  t.equal(desiredTopic('pi-1'), 'skiff/v1/nodes/pi-1/desired');
  t.equal(statusTopic('pi-1'), 'skiff/v1/nodes/pi-1/status');
  t.equal(presenceTopic('pi-1'), 'skiff/v1/nodes/pi-1/presence');
  t.equal(nodeTopic('pi-1', 'metrics'), 'skiff/v1/nodes/pi-1/metrics');
  t.equal(allNodesFilter('status'), 'skiff/v1/nodes/+/status');
});

t.test('parseNodeTopic round-trips nodeTopic for every channel and valid name', async (t) => {
  const names = ['n1', 'pi-1', 'edge.example.com', '0', 'a'.repeat(63), `${'a'.repeat(63)}.${'b'.repeat(63)}`];
  for (const node of names) {
    for (const channel of CHANNELS) t.same(parseNodeTopic(nodeTopic(node, channel)), { node, channel }, `${node} ${channel}`);
  }
});

t.test('nodeTopic refuses names that would escape their topic level', async (t) => {
  for (const node of HOSTILE_NODE_NAMES) t.throws(() => nodeTopic(node, 'status'), RangeError, JSON.stringify(node));
});

t.test('isValidNodeName accepts DNS subdomains only', async (t) => {
  const longest = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
  t.equal(longest.length, 253);
  t.ok(isValidNodeName('pi-1'));
  t.ok(isValidNodeName(longest));
  t.notOk(isValidNodeName(`${longest}d`), '254 characters is one too many');
  for (const node of HOSTILE_NODE_NAMES) t.notOk(isValidNodeName(node), JSON.stringify(node));
});

t.test('parseNodeTopic rejects every hostile topic except well-formed topics of another node', async (t) => {
  for (const topic of HOSTILE_TOPICS) {
    const parsed = parseNodeTopic(topic);
    // Another node's well-formed topic parses (the broker policy then refuses it); nothing else may.
    if (parsed) t.not(parsed.node, 'pi-1', `${JSON.stringify(topic.slice(0, 60))} parses only as another node's topic`);
    else t.pass(`${JSON.stringify(topic.slice(0, 60))} is refused`);
  }
});
