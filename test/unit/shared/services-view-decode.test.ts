/**
 * decodeServicesView (issue #8): a well-formed view comes back as it was sent, and each field the
 * proxy reads is checked, the error naming the topic and the field (as the other codecs do).
 */
import t, { type Test } from 'tap';
import { isSkiffError } from '../../../shared/errors.js';
import { MESSAGE_SCHEMA } from '../../../shared/mqtt/messages.js';
import { decodeServicesView, type ServicesView } from '../../../shared/mqtt/services-view.js';
import { FLEET_SERVICES_TOPIC } from '../../../shared/mqtt/topics.js';

function view(): ServicesView {
  return {
    schema: MESSAGE_SCHEMA,
    generation: 3,
    serviceCidr: '10.43.0.0/16',
    services: [
      {
        namespace: 'default',
        name: 'web',
        type: 'NodePort',
        clusterIP: '10.43.0.10',
        affinityTimeoutSeconds: 60,
        ports: [{ name: 'http', port: 80, nodePort: 30080, endpoints: [{ ip: '172.17.0.2', port: 8080, node: 'pi-1' }] }],
      },
      { namespace: 'default', name: 'headless', type: 'ClusterIP', ports: [{ name: '', port: 53, endpoints: [] }] },
    ],
    relays: { 'pi-1': { host: '192.168.1.10', port: 10250 } },
    relayToken: '0123456789abcdef0123',
  };
}

/** The payload of the view with `change` applied to its parsed JSON. */
function payload(change: (v: Record<string, any>) => void): string {
  const copy = JSON.parse(JSON.stringify(view())) as Record<string, any>;
  change(copy);
  return JSON.stringify(copy);
}

/** Asserts that decoding `text` fails with SKIFF_ERR_BAD_MESSAGE naming the topic and `field`. */
function rejects(t: Test, text: string, field: string, why: string): void {
  try {
    decodeServicesView(text, FLEET_SERVICES_TOPIC);
    t.fail(`${why}: decoded, expected an error naming ${field}`);
  } catch (err) {
    t.ok(isSkiffError(err, 'SKIFF_ERR_BAD_MESSAGE'), `${why}: a SKIFF_ERR_BAD_MESSAGE`);
    const message = (err as Error).message;
    t.ok(message.includes(FLEET_SERVICES_TOPIC), `${why}: names the topic`);
    t.ok(message.includes(`${FLEET_SERVICES_TOPIC}: ${field}:`), `${why}: names ${field} (got: ${message})`);
  }
}

t.test('a well-formed view decodes to what was sent, from a Buffer or a string', async (t) => {
  t.strictSame(decodeServicesView(Buffer.from(JSON.stringify(view())), FLEET_SERVICES_TOPIC), view());
  t.strictSame(decodeServicesView(JSON.stringify(view()), FLEET_SERVICES_TOPIC), view());
  const minimal = payload((v) => {
    v.services = [];
    v.relays = {};
    v.generation = 0;
  });
  t.strictSame(decodeServicesView(minimal, FLEET_SERVICES_TOPIC).services, [], 'an empty fleet at generation 0 is a view');
});

t.test('a payload that is not JSON names the topic', async (t) => {
  try {
    decodeServicesView('{nope', FLEET_SERVICES_TOPIC);
    t.fail('decoded');
  } catch (err) {
    t.ok(isSkiffError(err, 'SKIFF_ERR_BAD_MESSAGE'));
    t.match((err as Error).message, `${FLEET_SERVICES_TOPIC}: not JSON`);
    t.ok((err as Error).cause instanceof SyntaxError, 'keeps the parse error as its cause');
  }
});

const bad: Array<[string, string, (v: Record<string, any>) => void]> = [
  ['a JSON array', '(root)', () => undefined],
  ['another schema', 'schema', (v) => (v.schema = MESSAGE_SCHEMA + 1)],
  ['no schema', 'schema', (v) => delete v.schema],
  ['a negative generation', 'generation', (v) => (v.generation = -1)],
  ['a fractional generation', 'generation', (v) => (v.generation = 1.5)],
  ['a generation as text', 'generation', (v) => (v.generation = '3')],
  ['no serviceCidr', 'serviceCidr', (v) => delete v.serviceCidr],
  ['services not an array', 'services', (v) => (v.services = {})],
  ['a service that is not an object', 'services[1]', (v) => (v.services[1] = 'web')],
  ['a service without a name', 'services[0]', (v) => delete v.services[0].name],
  ['a service without a namespace', 'services[1]', (v) => delete v.services[1].namespace],
  ['a LoadBalancer type', 'services[0].type', (v) => (v.services[0].type = 'LoadBalancer')],
  ['no type', 'services[1].type', (v) => delete v.services[1].type],
  ['a clusterIP that is a number', 'services[0].clusterIP', (v) => (v.services[0].clusterIP = 10)],
  ['a zero affinity timeout', 'services[0].affinityTimeoutSeconds', (v) => (v.services[0].affinityTimeoutSeconds = 0)],
  ['a fractional affinity timeout', 'services[0].affinityTimeoutSeconds', (v) => (v.services[0].affinityTimeoutSeconds = 1.5)],
  ['ports not an array', 'services[1].ports', (v) => (v.services[1].ports = null)],
  ['a port that is not an object', 'services[0].ports[0]', (v) => (v.services[0].ports[0] = 80)],
  ['a port without a name', 'services[0].ports[0].name', (v) => delete v.services[0].ports[0].name],
  ['port 0', 'services[0].ports[0].port', (v) => (v.services[0].ports[0].port = 0)],
  ['port 65536', 'services[1].ports[0].port', (v) => (v.services[1].ports[0].port = 65536)],
  ['a nodePort as text', 'services[0].ports[0].nodePort', (v) => (v.services[0].ports[0].nodePort = '30080')],
  ['endpoints not an array', 'services[0].ports[0].endpoints', (v) => delete v.services[0].ports[0].endpoints],
  ['an endpoint without an ip', 'services[0].ports[0].endpoints[0]', (v) => delete v.services[0].ports[0].endpoints[0].ip],
  ['an endpoint with port 0', 'services[0].ports[0].endpoints[0]', (v) => (v.services[0].ports[0].endpoints[0].port = 0)],
  ['an endpoint without a node', 'services[0].ports[0].endpoints[0]', (v) => delete v.services[0].ports[0].endpoints[0].node],
  ['an endpoint that is null', 'services[0].ports[0].endpoints[0]', (v) => (v.services[0].ports[0].endpoints[0] = null)],
  ['no relay token', 'relayToken', (v) => delete v.relayToken],
  ['a relay token of 15 characters', 'relayToken', (v) => (v.relayToken = 'x'.repeat(15))],
  ['relays as an array', 'relays', (v) => (v.relays = [])],
  ['a relay without a host', 'relays[pi-1]', (v) => delete v.relays['pi-1'].host],
  ['a relay with port 0', 'relays[pi-1]', (v) => (v.relays['pi-1'].port = 0)],
];

t.test('every field the proxy reads is checked, and the error names it', async (t) => {
  for (const [why, field, change] of bad) {
    const text = why === 'a JSON array' ? '[]' : payload(change);
    rejects(t, text, field, why);
  }
});

t.test('the bounds that are allowed decode', async (t) => {
  const edge = payload((v) => {
    v.relayToken = 'x'.repeat(16);
    v.services[0].ports[0].port = 65535;
    v.services[0].ports[0].endpoints[0].port = 1;
    delete v.services[0].affinityTimeoutSeconds;
    delete v.services[0].clusterIP;
    delete v.services[0].ports[0].nodePort;
  });
  const decoded = decodeServicesView(edge, FLEET_SERVICES_TOPIC);
  t.equal(decoded.relayToken.length, 16, 'a token of exactly 16 characters');
  t.equal(decoded.services[0]!.ports[0]!.port, 65535);
  t.equal(decoded.services[0]!.clusterIP, undefined, 'a headless Service has no clusterIP');
});
