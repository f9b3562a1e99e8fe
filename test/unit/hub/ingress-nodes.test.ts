/**
 * IngressNodes and isIngressNode, the Dispatcher's view of Ingress: which nodes serve it (the
 * DEFAULTS.ingress.nodeLabel label, any value but "false") and which TLS Secrets the Ingresses
 * name, as namespace/name, each once. Pure: fed objects directly.
 */
import t from 'tap';
import { IngressNodes, isIngressNode } from '../../../hub/dispatch/ingress-nodes.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { DEFAULTS } from '../../../shared/defaults.js';

const LABEL = DEFAULTS.ingress.nodeLabel;

function node(name: string, labels?: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, ...(labels ? { labels } : {}) } };
}
const ingressNode = (name: string, value = 'true'): KubeObject => node(name, { [LABEL]: value });

function ingress(name: string, secretNames: Array<string | undefined>, namespace: string | undefined = 'default'): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, ...(namespace === undefined ? {} : { namespace }) },
    spec: { tls: secretNames.map((secretName) => ({ hosts: ['shop.example.com'], ...(secretName === undefined ? {} : { secretName }) })) },
  };
}

t.test('isIngressNode: the label with any value but "false"', async (t) => {
  t.equal(LABEL, 'node-role.kubernetes.io/ingress');
  t.equal(isIngressNode(ingressNode('a', 'true')), true, '"true"');
  t.equal(isIngressNode(ingressNode('a', '')), true, 'empty (kubectl label node a node-role.kubernetes.io/ingress=)');
  t.equal(isIngressNode(ingressNode('a', 'yes')), true, 'another value');
  t.equal(isIngressNode(ingressNode('a', 'false')), false, '"false"');
  t.equal(isIngressNode(node('a', { zone: 'edge' })), false, 'other labels only');
  t.equal(isIngressNode(node('a')), false, 'no labels');
  t.equal(isIngressNode(undefined), false, 'no node');
});

t.test('onNode reports whether serving Ingress changed, and tracks the serving nodes', async (t) => {
  const tracked = new IngressNodes();
  t.equal(tracked.onNode(node('a'), false), false, 'an unlabelled node: no change');
  t.strictSame(tracked.ingressNodes(), []);
  t.equal(tracked.onNode(ingressNode('a'), false), true, 'labelled: a change');
  t.equal(tracked.onNode(ingressNode('a'), false), false, 'labelled again (a heartbeat): no change');
  t.equal(tracked.onNode(ingressNode('a', ''), false), false, 'another serving value: no change');
  t.equal(tracked.onNode(ingressNode('b'), false), true, 'a second node');
  t.strictSame(tracked.ingressNodes().sort(), ['a', 'b']);
  t.equal(tracked.onNode(ingressNode('a', 'false'), false), true, 'relabelled "false": a change');
  t.strictSame(tracked.ingressNodes(), ['b']);
  t.equal(tracked.onNode(ingressNode('a', 'false'), false), false, 'still "false": no change');
  t.equal(tracked.onNode(node('b'), false), true, 'label removed: a change');
  t.strictSame(tracked.ingressNodes(), []);
  t.equal(tracked.onNode(ingressNode('c'), false), true);
  t.equal(tracked.onNode(ingressNode('c'), true), true, 'a labelled node deleted: a change');
  t.strictSame(tracked.ingressNodes(), []);
  t.equal(tracked.onNode(node('d'), true), false, 'an unlabelled node deleted: no change');
});

t.test("onIngress tracks each Ingress's TLS Secrets in its namespace, each once", async (t) => {
  const tracked = new IngressNodes();
  t.strictSame(tracked.tlsSecrets(), []);
  tracked.onIngress(ingress('shop', ['shop-tls', 'shop-tls', undefined, '']), false);
  t.strictSame(tracked.tlsSecrets(), [{ namespace: 'default', name: 'shop-tls' }], 'a repeated name once; a missing or empty one ignored');
  t.equal(tracked.isTlsSecret('default', 'shop-tls'), true);
  t.equal(tracked.isTlsSecret('edge', 'shop-tls'), false, 'the Secret is in the Ingress namespace, not another');
  t.equal(tracked.isTlsSecret('default', 'other'), false);

  tracked.onIngress(ingress('blog', ['shop-tls', 'blog-tls']), false);
  tracked.onIngress(ingress('shop', ['shop-tls'], 'edge'), false);
  t.strictSame(
    tracked.tlsSecrets(),
    [
      { namespace: 'default', name: 'blog-tls' },
      { namespace: 'default', name: 'shop-tls' },
      { namespace: 'edge', name: 'shop-tls' },
    ],
    'sorted by namespace then name, a Secret two Ingresses share once',
  );

  tracked.onIngress(ingress('shop', []), false);
  t.equal(tracked.isTlsSecret('default', 'shop-tls'), true, 'an update dropping a Secret still named by another Ingress keeps it');
  tracked.onIngress(ingress('blog', ['blog-tls']), false);
  t.equal(tracked.isTlsSecret('default', 'shop-tls'), false, 'named by none: gone');
  t.strictSame(tracked.tlsSecrets(), [{ namespace: 'default', name: 'blog-tls' }, { namespace: 'edge', name: 'shop-tls' }]);

  tracked.onIngress(ingress('blog', ['blog-tls']), true);
  t.equal(tracked.isTlsSecret('default', 'blog-tls'), false, 'a deleted Ingress takes its Secrets with it');
  tracked.onIngress(ingress('shop', ['shop-tls'], 'edge'), true);
  t.strictSame(tracked.tlsSecrets(), []);
});

t.test('an Ingress without a namespace is in the default namespace; one without spec.tls names nothing', async (t) => {
  const tracked = new IngressNodes();
  tracked.onIngress(ingress('shop', ['shop-tls'], undefined), false);
  t.strictSame(tracked.tlsSecrets(), [{ namespace: DEFAULTS.namespace, name: 'shop-tls' }]);
  tracked.onIngress({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'plain', namespace: 'default' }, spec: {} }, false);
  tracked.onIngress({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'bare', namespace: 'default' } }, false);
  t.strictSame(tracked.tlsSecrets(), [{ namespace: DEFAULTS.namespace, name: 'shop-tls' }]);
});

t.test('rebuild replaces everything with the listed nodes and Ingresses', async (t) => {
  const tracked = new IngressNodes();
  tracked.onNode(ingressNode('old'), false);
  tracked.onIngress(ingress('old', ['old-tls']), false);
  tracked.rebuild([ingressNode('a'), node('b'), ingressNode('c', 'false'), ingressNode('d', '')], [ingress('shop', ['shop-tls']), ingress('blog', ['blog-tls'], 'edge')]);
  t.strictSame(tracked.ingressNodes().sort(), ['a', 'd']);
  t.strictSame(tracked.tlsSecrets(), [{ namespace: 'default', name: 'shop-tls' }, { namespace: 'edge', name: 'blog-tls' }]);
  t.equal(tracked.isTlsSecret('default', 'old-tls'), false, 'what was known before the rebuild is forgotten');
  t.equal(tracked.onNode(ingressNode('a'), false), false, 'and later changes compare with the rebuilt state');
  t.equal(tracked.onNode(ingressNode('old'), false), true);
});
