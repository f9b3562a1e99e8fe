/**
 * The proxy's listener plan (issue #8), pure: which host:port listens for which Service port,
 * nothing for a port without endpoints or a headless Service, NodePorts on the node's address,
 * the diff against what is open, and which endpoints are this node's (what its relay may reach).
 */
import t from 'tap';
import { desiredListeners, diffListeners, localEndpoints, servicePortKey, type ListenerRoute } from '../../../agent/services/proxy-plan.js';
import { MESSAGE_SCHEMA } from '../../../shared/mqtt/messages.js';
import type { ServicesView, ViewEndpoint, ViewService } from '../../../shared/mqtt/services-view.js';

const E1: ViewEndpoint = { ip: '172.17.0.2', port: 8080, node: 'pi-1' };
const E2: ViewEndpoint = { ip: '172.17.0.3', port: 9090, node: 'pi-2' };
const OUTSIDE: ViewEndpoint = { ip: '192.168.1.50', port: 5432, node: '' };

function view(services: ViewService[]): ServicesView {
  return { schema: MESSAGE_SCHEMA, generation: 1, serviceCidr: '10.43.0.0/16', services, relays: {}, relayToken: 'x'.repeat(16) };
}

const web: ViewService = {
  namespace: 'default',
  name: 'web',
  type: 'NodePort',
  clusterIP: '10.43.0.10',
  ports: [
    { name: 'http', port: 80, nodePort: 30080, endpoints: [E1, E2] },
    { name: 'idle', port: 81, nodePort: 30081, endpoints: [] },
  ],
};
const db: ViewService = { namespace: 'data', name: 'db', type: 'ClusterIP', clusterIP: '10.43.0.20', ports: [{ name: '', port: 5432, endpoints: [OUTSIDE] }] };
const headless: ViewService = { namespace: 'default', name: 'peers', type: 'ClusterIP', ports: [{ name: '', port: 7000, endpoints: [E1] }] };

t.test('servicePortKey is namespace/name:portName', async (t) => {
  t.equal(servicePortKey(web, { name: 'http' }), 'default/web:http');
  t.equal(servicePortKey(db, { name: '' }), 'data/db:');
});

t.test('a listener on clusterIP:port for every port with endpoints, and on the node address for a NodePort', async (t) => {
  const listeners = desiredListeners(view([web, db, headless]), '0.0.0.0');
  t.strictSame([...listeners.values()], [
    { key: '10.43.0.10:80', host: '10.43.0.10', port: 80, servicePort: 'default/web:http', kind: 'clusterIP' },
    { key: '0.0.0.0:30080', host: '0.0.0.0', port: 30080, servicePort: 'default/web:http', kind: 'nodePort' },
    { key: '10.43.0.20:5432', host: '10.43.0.20', port: 5432, servicePort: 'data/db:', kind: 'clusterIP' },
  ], 'no listener for the port without endpoints (neither its clusterIP nor its nodePort) nor for the headless Service');
  t.strictSame([...desiredListeners(view([web]), '192.168.1.10').keys()], ['10.43.0.10:80', '192.168.1.10:30080'], 'NodePorts on --node-ip when set');
});

t.test('a nodePort on a ClusterIP Service opens nothing; no view, no listener', async (t) => {
  const odd: ViewService = { ...db, ports: [{ name: '', port: 5432, nodePort: 30000, endpoints: [OUTSIDE] }] };
  t.strictSame([...desiredListeners(view([odd]), '0.0.0.0').keys()], ['10.43.0.20:5432']);
  t.equal(desiredListeners(undefined, '0.0.0.0').size, 0);
});

t.test('of two Service ports on one host:port, the first keeps it', async (t) => {
  const clash: ViewService = { ...web, name: 'web2', ports: [{ name: 'http', port: 80, endpoints: [E2] }] };
  const listeners = desiredListeners(view([web, clash]), '0.0.0.0');
  t.equal(listeners.get('10.43.0.10:80')?.servicePort, 'default/web:http');
});

t.test('diffListeners opens what is missing and closes what is no longer wanted', async (t) => {
  const desired = desiredListeners(view([web, db]), '0.0.0.0');
  const changes = diffListeners(desired, ['10.43.0.10:80', '10.43.0.99:80']);
  t.strictSame(changes.open.map((r: ListenerRoute) => r.key), ['0.0.0.0:30080', '10.43.0.20:5432']);
  t.strictSame(changes.close, ['10.43.0.99:80']);
  t.strictSame(diffListeners(desired, desired.keys()), { open: [], close: [] }, 'nothing to do when converged');
  t.strictSame(diffListeners(new Map(), ['a:1', 'b:2']), { open: [], close: ['a:1', 'b:2'] }, 'an empty view closes everything');
});

t.test('localEndpoints: ip:port of every endpoint on this node, whatever the Service', async (t) => {
  const v = view([web, db, headless]);
  t.strictSame([...localEndpoints(v, 'pi-1')], ['172.17.0.2:8080'], 'once, though two Services list it; not the outside address');
  t.strictSame([...localEndpoints(v, 'pi-2')], ['172.17.0.3:9090']);
  t.strictSame([...localEndpoints(v, 'pi-3')], [], 'a node without Pods behind Services relays nothing');
  t.strictSame([...localEndpoints(undefined, 'pi-1')], [], 'nor does a node without a view');
});
