/**
 * networking.k8s.io/v1 Ingress validation through validateObject (what `skiff apply` and the API
 * run), in Kubernetes' words (ValidateIngressCreate), and the example manifest of the docs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { repoRoot } from '../../helpers/repo.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { Ingress } from '../../../shared/api/schema/ingress.js';
import { validateObject } from '../../../shared/api/validate.js';
import { parseManifestText, validateDocuments } from '../../../shared/manifest/parse.js';

function errorsOf(object: object): Array<[string, string]> {
  const result = validateObject(object);
  return result.ok ? [] : result.errors.map((e) => [e.path, e.message]);
}

const ing = (spec: object, metadata: object = {}): object => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', ...metadata }, spec });
const backend = (name = 'web', port: object = { number: 80 }): object => ({ service: { name, port } });
const path = (extra: object = {}): object => ({ path: '/', pathType: 'Prefix', backend: backend(), ...extra });
const rule = (host: string | undefined, paths: object[] = [path()]): object => ({ ...(host === undefined ? {} : { host }), http: { paths } });

t.test('Ingress is served as networking.k8s.io/v1 ingresses, short name ing', async (t) => {
  for (const typed of ['ing', 'ingress', 'ingresses', 'Ingress', 'ingresses.networking.k8s.io', 'ingresses.v1.networking.k8s.io']) {
    const rt = resolveResource(typed);
    t.same(rt && [rt.group, rt.version, rt.kind, rt.plural, rt.namespaced], ['networking.k8s.io', 'v1', 'Ingress', 'ingresses', true], typed);
  }
});

t.test('the Kubernetes documentation examples are valid as written', async (t) => {
  // concepts/services-networking/ingress: minimal-ingress, ingress-wildcard-host, tls-example-ingress, default backend only.
  t.same(errorsOf(ing({ ingressClassName: 'nginx-example', rules: [{ http: { paths: [{ path: '/testpath', pathType: 'Prefix', backend: backend('test') }] } }] })), []);
  t.same(
    errorsOf(ing({ rules: [rule('foo.bar.com', [path({ path: '/bar', backend: backend('service1') })]), rule('*.foo.com', [path({ path: '/foo', backend: backend('service2') })])] })),
    [],
  );
  t.same(errorsOf(ing({ tls: [{ hosts: ['https-example.foo.com'], secretName: 'testsecret-tls' }], rules: [rule('https-example.foo.com', [path({ backend: backend('service1') })])] })), []);
  t.same(errorsOf(ing({ defaultBackend: backend('test', { name: 'http' }) })), []);
  t.same(errorsOf(ing({ rules: [rule('a.example', [path({ pathType: 'ImplementationSpecific', path: undefined })])] })), [], 'ImplementationSpecific may leave the path out');
  t.same(errorsOf(ing({ rules: [{ host: 'a.example' }], defaultBackend: backend() })), [], 'a rule without http routes nothing, and is allowed');
});

t.test('either defaultBackend or rules must be specified', async (t) => {
  t.same(errorsOf(ing({})), [['spec', 'Invalid value: null: either `defaultBackend` or `rules` must be specified']]);
  t.same(errorsOf(ing({ rules: [] })), [['spec', 'Invalid value: []: either `defaultBackend` or `rules` must be specified']]);
  t.same(errorsOf(ing({ tls: [{ secretName: 's' }] })), [['spec', 'Invalid value: null: either `defaultBackend` or `rules` must be specified']]);
});

t.test('pathType is required, and one of Exact, ImplementationSpecific, Prefix', async (t) => {
  t.same(errorsOf(ing({ rules: [rule('a.example', [path({ pathType: undefined })])] })), [['spec.rules[0].http.paths[0].pathType', 'Required value: pathType must be specified']]);
  t.same(errorsOf(ing({ rules: [rule('a.example', [path({ pathType: 'Regex' })])] })), [
    ['spec.rules[0].http.paths[0].pathType', 'Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"'],
  ]);
});

t.test('Exact and Prefix paths are absolute and clean; ImplementationSpecific only absolute when set', async (t) => {
  t.same(errorsOf(ing({ rules: [rule(undefined, [path({ path: 'foo' })])] })), [['spec.rules[0].http.paths[0].path', 'Invalid value: "foo": must be an absolute path']]);
  t.same(errorsOf(ing({ rules: [rule(undefined, [path({ path: undefined, pathType: 'Exact' })])] })), [['spec.rules[0].http.paths[0].path', 'Invalid value: "": must be an absolute path']]);
  t.same(errorsOf(ing({ rules: [rule(undefined, [path({ path: '/a//b' })])] })), [['spec.rules[0].http.paths[0].path', "Invalid value: \"/a//b\": must not contain '//'"]]);
  t.same(errorsOf(ing({ rules: [rule(undefined, [path({ path: '/a/../b' })])] })), [['spec.rules[0].http.paths[0].path', "Invalid value: \"/a/../b\": must not contain '/../'"]]);
  t.same(errorsOf(ing({ rules: [rule(undefined, [path({ path: '/a%2Fb' })])] })), [['spec.rules[0].http.paths[0].path', "Invalid value: \"/a%2Fb\": must not contain '%2F'"]]);
  t.same(errorsOf(ing({ rules: [rule(undefined, [path({ path: '/a/..' })])] })), [['spec.rules[0].http.paths[0].path', "Invalid value: \"/a/..\": cannot end with '/..'"]]);
  t.same(errorsOf(ing({ rules: [rule(undefined, [path({ path: 'x', pathType: 'ImplementationSpecific' })])] })), [
    ['spec.rules[0].http.paths[0].path', 'Invalid value: "x": must be an absolute path'],
  ]);
  t.same(errorsOf(ing({ rules: [rule(undefined, [path({ path: '/a//b', pathType: 'ImplementationSpecific' })])] })), [], 'no sequence checks for ImplementationSpecific');
});

t.test('a rule host is a DNS subdomain or a one-label wildcard, never an IP address', async (t) => {
  t.same(errorsOf(ing({ rules: [rule('Foo.example')] })), [
    ['spec.rules[0].host', `Invalid value: "Foo.example": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`],
  ]);
  t.same(errorsOf(ing({ rules: [rule('10.0.0.1')] })), [['spec.rules[0].host', 'Invalid value: "10.0.0.1": must be a DNS name, not an IP address']]);
  t.same(errorsOf(ing({ rules: [rule('010.0.0.1')] })), [['spec.rules[0].host', 'Invalid value: "010.0.0.1": must be a DNS name, not an IP address']], 'as ParseIPSloppy reads it');
  t.match(errorsOf(ing({ rules: [rule('::1')] })), [
    ['spec.rules[0].host', 'Invalid value: "::1": must be a DNS name, not an IP address'],
    ['spec.rules[0].host', /^Invalid value: "::1": a lowercase RFC 1123 subdomain/],
  ]);
  t.same(errorsOf(ing({ rules: [rule('a.example:8080')] })).length, 1, 'no port in a host');
  for (const host of ['*.foo.com', '*.a.b.example']) t.same(errorsOf(ing({ rules: [rule(host)] })), [], host);
  for (const host of ['*', '*.*.foo.com', 'foo.*.com', '*foo.com', 'f*.foo.com']) {
    t.match(errorsOf(ing({ rules: [rule(host)] })), [['spec.rules[0].host', /^Invalid value: ".*": a wildcard DNS-1123 subdomain must start with '\*\.', followed by a valid DNS subdomain/]], host);
  }
  t.match(errorsOf(ing({ rules: [rule(`${'a'.repeat(63)}.`.repeat(4) + 'com')] })), [['spec.rules[0].host', /must be no more than 253 characters/]]);
});

t.test('a backend names a Service and exactly one of port.number and port.name', async (t) => {
  const withBackend = (b: object): object => ing({ rules: [rule('a.example', [path({ backend: b })])] });
  const at = 'spec.rules[0].http.paths[0].backend';
  t.same(errorsOf(withBackend({ service: { port: { number: 80 } } })), [[`${at}.service.name`, 'Required value']]);
  t.same(errorsOf(withBackend({ service: { name: 'web' } })), [[at, 'Required value: port name or number is required']]);
  t.same(errorsOf(withBackend({ service: { name: 'web', port: {} } })), [[at, 'Required value: port name or number is required']]);
  t.same(errorsOf(withBackend({ service: { name: 'web', port: { number: 80, name: 'http' } } })), [[at, 'Invalid value: "": cannot set both port name & port number']]);
  t.same(errorsOf(withBackend({ service: { name: 'web', port: { number: 70000 } } })), [[`${at}.service.port.number`, 'Invalid value: 70000: must be between 1 and 65535, inclusive']]);
  t.same(errorsOf(withBackend({ service: { name: 'web', port: { name: 'a--b' } } })), [[`${at}.service.port.name`, 'Invalid value: "a--b": must not contain consecutive hyphens']]);
  t.same(errorsOf(withBackend({ service: { name: '1web', port: { number: 80 } } })), [
    [
      `${at}.service.name`,
      "Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    ],
  ]);
  t.same(errorsOf(withBackend({})), [[at, 'Invalid value: "": resource or service backend is required']]);
  t.same(errorsOf(ing({ defaultBackend: { service: { name: 'web' } } })), [['spec.defaultBackend', 'Required value: port name or number is required']]);
});

t.test('resource backends are refused: Skiff routes to Services only', async (t) => {
  const resource = { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static-assets' };
  t.same(errorsOf(ing({ defaultBackend: { resource } })), [
    ['spec.defaultBackend.resource', 'Forbidden: resource backends are not supported by Skiff, which routes to Services only: use `service`'],
  ]);
  t.same(errorsOf(ing({ rules: [rule(undefined, [path({ backend: { resource, service: { name: 'web', port: { number: 80 } } } })])] })), [
    ['spec.rules[0].http.paths[0].backend', 'Invalid value: "": cannot set both resource and service backends'],
  ]);
});

t.test('http needs at least one path', async (t) => {
  t.same(errorsOf(ing({ rules: [{ host: 'a.example', http: { paths: [] } }] })), [['spec.rules[0].http.paths', 'Required value']]);
});

t.test('tls: hosts as rule hosts (IPs allowed), secretName a Secret name', async (t) => {
  t.same(errorsOf(ing({ defaultBackend: backend(), tls: [{ hosts: ['*.foo.com', 'a.example', '10.0.0.1'], secretName: 'tls-a' }, {}] })), []);
  t.match(errorsOf(ing({ defaultBackend: backend(), tls: [{ hosts: ['A.example'], secretName: 'TLS' }] })), [
    ['spec.tls[0].hosts[0]', /^Invalid value: "A.example": a lowercase RFC 1123 subdomain/],
    ['spec.tls[0].secretName', /^Invalid value: "TLS": a lowercase RFC 1123 subdomain/],
  ]);
});

t.test('ingressClassName is a DNS subdomain, and agrees with the old annotation', async (t) => {
  t.match(errorsOf(ing({ defaultBackend: backend(), ingressClassName: 'Nginx' })), [['spec.ingressClassName', /^Invalid value: "Nginx": a lowercase RFC 1123 subdomain/]]);
  t.same(errorsOf(ing({ defaultBackend: backend(), ingressClassName: 'skiff' }, { annotations: { 'kubernetes.io/ingress.class': 'skiff' } })), []);
  t.same(errorsOf(ing({ defaultBackend: backend(), ingressClassName: 'skiff' }, { annotations: { 'kubernetes.io/ingress.class': 'nginx' } })), [
    ['metadata.annotations.kubernetes.io/ingress.class', 'Invalid value: "nginx": must match `ingressClassName` when both are specified'],
  ]);
});

t.test('status.loadBalancer.ingress holds ips and hostnames; unknown fields are reported', async (t) => {
  t.same(errorsOf({ ...ing({ defaultBackend: backend() }), status: { loadBalancer: { ingress: [{ ip: '192.168.1.10' }, { hostname: 'edge.example' }] } } }), []);
  t.same(errorsOf(ing({ defaultBackend: backend(), backend: backend() })), [['spec.backend', 'unknown field (not supported by Skiff)']], 'the v1beta1 field is not v1');
});

t.test('docs/examples/ingress.yaml: valid as `skiff apply -f` reads it', async (t) => {
  const text = readFileSync(join(repoRoot(), 'docs', 'examples', 'ingress.yaml'), 'utf8');
  const parsed = parseManifestText(text, 'ingress.yaml');
  t.same(parsed.problems, []);
  const { valid, problems } = validateDocuments(parsed.documents);
  t.same(problems, []);
  t.same(valid.map((d) => d.object.kind), ['Secret', 'Service', 'Service', 'Ingress']);
  const ingress = valid[3]!.object as unknown as Ingress;
  t.same(ingress.spec.rules?.map((r) => [r.host, r.http?.paths?.length]), [['shop.example.com', 2], ['blog.example.com', 2]], 'two hosts, two paths each');
  t.same(ingress.spec.tls, [{ hosts: ['shop.example.com', 'blog.example.com'], secretName: 'example-tls' }], 'TLS for both hosts from the Secret');
  t.equal(valid[0]!.object.metadata.name, 'example-tls');
});
