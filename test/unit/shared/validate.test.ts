import t from 'tap';
import { validateObject } from '../../../shared/api/validate.js';
import { parseManifestText } from '../../../shared/manifest/parse.js';
import type { FieldError } from '../../../shared/errors.js';
import { NGINX_DEPLOYMENT_YAML, nginxDeployment, type NginxDeployment } from './manifests.js';

function errorsOf(input: unknown): FieldError[] {
  const result = validateObject(input);
  return result.ok ? [] : result.errors;
}

function broken(change: (d: NginxDeployment) => void): NginxDeployment {
  const d = nginxDeployment();
  change(d);
  return d;
}

t.test("the Kubernetes tutorial's nginx Deployment validates, from YAML and as an object", async (t) => {
  const { documents, problems } = parseManifestText(NGINX_DEPLOYMENT_YAML, 'nginx.yaml');
  t.same(problems, []);
  t.equal(documents.length, 1);
  t.same(documents[0]!.object, nginxDeployment(), 'the YAML and the object fixture agree');
  const result = validateObject(documents[0]!.object);
  t.ok(result.ok, JSON.stringify(result.ok ? '' : result.errors));
  if (result.ok) {
    t.equal(result.resource.kind, 'Deployment');
    t.equal(result.resource.group, 'apps');
    t.equal(result.object.metadata.name, 'nginx-deployment');
  }
});

t.test('each kind of mistake yields one FieldError at its kube-style path', async (t) => {
  const table: Array<{ mistake: string; input: unknown; path: string; message: RegExp }> = [
    {
      mistake: 'missing image',
      input: broken((d) => delete d.spec.template.spec.containers[0]!.image),
      path: 'spec.template.spec.containers[0].image',
      message: /Required value/,
    },
    {
      mistake: 'replicas of the wrong type',
      input: broken((d) => (d.spec.replicas = 'three')),
      path: 'spec.replicas',
      message: /expected number/,
    },
    {
      mistake: 'a PodSpec field Skiff does not support',
      input: broken((d) => (d.spec.template.spec.affinity = { podAffinity: {} })),
      path: 'spec.template.spec.affinity.podAffinity',
      message: /unknown field/,
    },
    {
      mistake: 'a probe without a handler',
      input: broken((d) => (d.spec.template.spec.containers[0]!.readinessProbe = { periodSeconds: 5 })),
      path: 'spec.template.spec.containers[0].readinessProbe',
      message: /must specify a handler type/,
    },
    {
      mistake: 'a probe with two handlers',
      input: broken((d) => (d.spec.template.spec.containers[0]!.livenessProbe = { exec: { command: ['true'] }, tcpSocket: { port: 80 } })),
      path: 'spec.template.spec.containers[0].livenessProbe.tcpSocket',
      message: /may not specify more than 1 handler type/,
    },
    {
      mistake: 'a liveness probe with successThreshold 2',
      input: broken((d) => (d.spec.template.spec.containers[0]!.livenessProbe = { httpGet: { port: 80 }, successThreshold: 2 })),
      path: 'spec.template.spec.containers[0].livenessProbe.successThreshold',
      message: /must be 1/,
    },
    {
      mistake: 'a preStop hook without a handler',
      input: broken((d) => (d.spec.template.spec.containers[0]!.lifecycle = { preStop: {} })),
      path: 'spec.template.spec.containers[0].lifecycle.preStop',
      message: /must specify a handler type \(exec, httpGet or sleep\)/,
    },
    {
      mistake: 'a preStop hook with two handlers',
      input: broken((d) => (d.spec.template.spec.containers[0]!.lifecycle = { preStop: { exec: { command: ['x'] }, sleep: { seconds: 1 } } })),
      path: 'spec.template.spec.containers[0].lifecycle.preStop.sleep',
      message: /may not specify more than 1 handler type/,
    },
    {
      mistake: 'a kind no group serves',
      input: { ...nginxDeployment(), kind: 'Foo' },
      path: 'kind',
      message: /no kind "Foo" is registered for version "apps\/v1"/,
    },
    {
      mistake: 'a memory limit that is not a quantity',
      input: broken((d) => (d.spec.template.spec.containers[0]!.resources = { limits: { memory: '12 Mbytes' } })),
      path: 'spec.template.spec.containers[0].resources.limits.memory',
      message: /quantities must match/,
    },
    {
      mistake: 'a selector that does not match the template labels',
      input: broken((d) => (d.spec.template.metadata.labels = { app: 'web' })),
      path: 'spec.template.metadata.labels',
      message: /`selector` does not match template `labels`/,
    },
    {
      mistake: 'no metadata.name',
      input: broken((d) => delete d.metadata.name),
      path: 'metadata.name',
      message: /Required value/,
    },
    {
      mistake: 'no apiVersion',
      input: { ...nginxDeployment(), apiVersion: undefined },
      path: 'apiVersion',
      message: /Required value/,
    },
    {
      mistake: 'an upper-case object name',
      input: broken((d) => (d.metadata.name = 'Nginx')),
      path: 'metadata.name',
      message: /RFC 1123 subdomain/,
    },
  ];
  for (const { mistake, input, path, message } of table) {
    const errors = errorsOf(input);
    t.same(errors.map((e) => e.path), [path], `${mistake}: path`);
    t.match(errors[0]?.message, message, `${mistake}: message`);
  }
});

t.test('a Deployment may use generateName instead of a name', async (t) => {
  t.same(errorsOf(broken((d) => {
    delete d.metadata.name;
    d.metadata.generateName = 'nginx-';
  })), []);
});

t.test('an empty selector is refused', async (t) => {
  t.same(errorsOf(broken((d) => (d.spec.selector = {}))).map((e) => e.path), ['spec.selector']);
});

t.test('a value that is not an object is refused at the root', async (t) => {
  for (const input of [null, 'text', 42, [nginxDeployment()]]) t.same(errorsOf(input).map((e) => e.path), [''], JSON.stringify(input));
});

// Kubernetes aggregates every field error of an object into one response (field.ErrorList), so a
// user fixes them in one go; a missing name is a field error like any other.
t.test('a missing name is reported together with the other field errors', async (t) => {
  const input = broken((d) => {
    delete d.metadata.name;
    delete d.spec.template.spec.containers[0]!.image;
  });
  t.same(errorsOf(input).map((e) => e.path).sort(), ['metadata.name', 'spec.template.spec.containers[0].image']);
});

t.test('a gRPC probe is refused as unsupported, naming the field', async (t) => {
  const result = validateObject(broken((d) => (d.spec.template.spec.containers[0]!.startupProbe = { grpc: { port: 9000 } })));
  t.equal(result.ok, false);
  t.match(result.ok ? [] : result.errors, [{ path: 'spec.template.spec.containers[0].startupProbe.grpc', message: /unknown field \(not supported by Skiff\)/ }, { path: 'spec.template.spec.containers[0].startupProbe' }]);
});

t.test('the node-lost policy annotation is checked where the object is validated', async (t) => {
  const withTemplateAnnotation = (value: unknown) =>
    broken((d) => {
      (d.spec.template.metadata as { annotations?: Record<string, unknown> }).annotations = { 'skiff.io/node-lost': value };
    });
  t.same(errorsOf(withTemplateAnnotation('keep')), [], 'keep is accepted');
  t.same(errorsOf(withTemplateAnnotation('Keep')), [
    { path: 'spec.template.metadata.annotations[skiff.io/node-lost]', message: 'Unsupported value: "Keep": supported values: "replace", "keep"' },
  ]);
});
