/**
 * decodeMetricsReport (shared/mqtt/messages.ts): a well-formed report decodes as sent; every
 * malformed field is refused with SKIFF_ERR_BAD_MESSAGE naming the topic and the field's path.
 */
import t from 'tap';
import { SkiffError } from '../../../shared/errors.js';
import type { MetricsSample } from '../../../shared/metrics/samples.js';
import { decodeMetricsReport, encode, MESSAGE_SCHEMA, type MetricsReport } from '../../../shared/mqtt/messages.js';
import { metricsTopic } from '../../../shared/mqtt/topics.js';

const TOPIC = metricsTopic('pi-1');

function sample(): MetricsSample {
  return {
    timestamp: '2030-01-01T00:00:10.000Z',
    node: {
      cpuSeconds: [{ user: 10, system: 2, idle: 100, iowait: 1 }],
      load1: 0.5,
      load5: 0.4,
      load15: 0.3,
      memoryTotalBytes: 4_000_000_000,
      memoryAvailableBytes: 3_000_000_000,
      memoryFreeBytes: 1_000_000_000,
      filesystems: [{ device: '/dev/mmcblk0p2', mountpoint: '/', fstype: 'ext4', sizeBytes: 100, availBytes: 40, freeBytes: 50 }],
      network: [{ device: 'eth0', receiveBytes: 1, transmitBytes: 2 }],
      temperatureCelsius: 48.5,
      uptimeSeconds: 1000,
      bootTimeSeconds: 1_893_456_000,
    },
    pods: [
      { namespace: 'default', name: 'web', uid: 'u-web', timestamp: '2030-01-01T00:00:10.004Z', containers: [{ name: 'app', cpuUsageSeconds: 1.5, memoryWorkingSetBytes: 1024 }] },
      { namespace: 'edge', name: 'db', uid: 'u-db', containers: [{ name: 'pg' }, { name: 'exporter', fsReadBytes: 1 }] },
    ],
  };
}

function report(): MetricsReport {
  return { schema: MESSAGE_SCHEMA, node: 'pi-1', samples: [sample(), { ...sample(), timestamp: '2030-01-01T00:00:20.000Z', pods: [] }] };
}

t.test('a well-formed report decodes to what was encoded, from a Buffer or a string', async (t) => {
  t.same(decodeMetricsReport(encode(report()), TOPIC), report());
  t.same(decodeMetricsReport(JSON.stringify(report()), TOPIC), report());
  t.same(decodeMetricsReport(JSON.stringify({ ...report(), samples: [] }), TOPIC).samples, [], 'an empty report is valid');
});

/** Each case: a change to a good report, and the field path the error must name. */
const MALFORMED: Array<[string, (r: Record<string, any>) => unknown, string]> = [
  ['wrong schema', (r) => ({ ...r, schema: 2 }), 'schema'],
  ['no node', (r) => ({ ...r, node: undefined }), 'node'],
  ['samples not an array', (r) => ({ ...r, samples: {} }), 'samples'],
  ['sample is null', (r) => ({ ...r, samples: [null] }), 'samples[0].timestamp'],
  ['timestamp missing', (r) => ((delete r.samples[1].timestamp), r), 'samples[1].timestamp'],
  ['timestamp not a time', (r) => ((r.samples[0].timestamp = 'yesterday'), r), 'samples[0].timestamp'],
  ['timestamp a number', (r) => ((r.samples[0].timestamp = 1893456000000), r), 'samples[0].timestamp'],
  ['node missing', (r) => ((delete r.samples[0].node), r), 'samples[0].node.cpuSeconds'],
  ['node null', (r) => ((r.samples[0].node = null), r), 'samples[0].node.cpuSeconds'],
  ['cpuSeconds not an array', (r) => ((r.samples[0].node.cpuSeconds = { user: 1 }), r), 'samples[0].node.cpuSeconds'],
  ['memoryTotalBytes a string', (r) => ((r.samples[0].node.memoryTotalBytes = '4G'), r), 'samples[0].node.memoryTotalBytes'],
  ['memoryAvailableBytes missing', (r) => ((delete r.samples[1].node.memoryAvailableBytes), r), 'samples[1].node.memoryAvailableBytes'],
  ['filesystems missing', (r) => ((delete r.samples[0].node.filesystems), r), 'samples[0].node'],
  ['network not an array', (r) => ((r.samples[0].node.network = 'eth0'), r), 'samples[0].node'],
  ['pods missing', (r) => ((delete r.samples[0].pods), r), 'samples[0].pods'],
  ['pod null', (r) => ((r.samples[0].pods[1] = null), r), 'samples[0].pods[1]'],
  ['pod without uid', (r) => ((delete r.samples[0].pods[1].uid), r), 'samples[0].pods[1]'],
  ['pod name a number', (r) => ((r.samples[0].pods[0].name = 7), r), 'samples[0].pods[0]'],
  ['pod without namespace', (r) => ((delete r.samples[0].pods[0].namespace), r), 'samples[0].pods[0]'],
  ['containers missing', (r) => ((delete r.samples[0].pods[1].containers), r), 'samples[0].pods[1].containers'],
  ['container null', (r) => ((r.samples[0].pods[1].containers[1] = null), r), 'samples[0].pods[1].containers[1].name'],
  ['container without a name', (r) => ((delete r.samples[0].pods[1].containers[0].name), r), 'samples[0].pods[1].containers[0].name'],
];

t.test('each malformed field is refused with SKIFF_ERR_BAD_MESSAGE naming the topic and the field path', async (t) => {
  for (const [what, change, field] of MALFORMED) {
    const payload = JSON.stringify(change(structuredClone(report()) as Record<string, any>));
    let caught: unknown;
    try {
      decodeMetricsReport(payload, TOPIC);
    } catch (err) {
      caught = err;
    }
    t.ok(caught instanceof SkiffError, `${what}: a SkiffError`);
    const err = caught as SkiffError;
    t.equal(err.code, 'SKIFF_ERR_BAD_MESSAGE', `${what}: code`);
    t.ok(err.message.startsWith(`bad message on topic ${TOPIC}: ${field}: `), `${what}: names ${field} (got ${JSON.stringify(err.message)})`);
  }
});

t.test('not JSON, or JSON that is not an object, is refused naming the topic', async (t) => {
  t.throws(() => decodeMetricsReport('{"schema":', TOPIC), { code: 'SKIFF_ERR_BAD_MESSAGE', message: `bad message on topic ${TOPIC}: not JSON` });
  t.throws(() => decodeMetricsReport('[]', TOPIC), { code: 'SKIFF_ERR_BAD_MESSAGE', message: `bad message on topic ${TOPIC}: (root): expected an object` });
  t.throws(() => decodeMetricsReport('null', TOPIC), { code: 'SKIFF_ERR_BAD_MESSAGE', message: `bad message on topic ${TOPIC}: (root): expected an object` });
});

t.test('optional fields may be absent: a board without temperature, a Pod without its own timestamp or network', async (t) => {
  const bare = report();
  delete bare.samples[0]!.node.temperatureCelsius;
  delete bare.samples[0]!.node.memoryFreeBytes;
  delete bare.samples[0]!.pods[0]!.timestamp;
  t.same(decodeMetricsReport(JSON.stringify(bare), TOPIC), bare);
});
