/**
 * What a Pod consumes (env valueFrom, envFrom, volumes, volumeMounts, imagePullSecrets),
 * validated with Kubernetes' rules and messages, at the field's path, in Pods and in the pod
 * templates of workloads.
 */
import t from 'tap';
import { validateObject } from '../../../shared/api/validate.js';
import type { FieldError } from '../../../shared/errors.js';

type Spec = Record<string, unknown>;

function podWith(spec: Spec): unknown {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } };
}

function errorsOf(spec: Spec): FieldError[] {
  const result = validateObject(podWith(spec));
  return result.ok ? [] : result.errors;
}

/** A spec whose one container has `fields` (env, envFrom, volumeMounts). */
const withContainer = (fields: Spec, spec: Spec = {}): Spec => ({ containers: [{ name: 'c', image: 'i', ...fields }], ...spec });
const env = (...vars: unknown[]): Spec => withContainer({ env: vars });
const valueFrom = (source: unknown): Spec => env({ name: 'V', valueFrom: source });
const cmVolume = (configMap: unknown): Spec => ({ volumes: [{ name: 'v', configMap }] });

t.test('the Kubernetes shapes for config consumption are accepted', async (t) => {
  const valid: Array<[string, Spec]> = [
    ['a plain value', env({ name: 'A', value: 'x' })],
    ['empty value with valueFrom (Kubernetes only refuses a non-empty one)', env({ name: 'A', value: '', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } })],
    ['names with dots and dashes', env({ name: 'my.env-name', value: 'x' }, { name: '_X1', value: 'y' })],
    ['configMapKeyRef, optional', valueFrom({ configMapKeyRef: { name: 'settings', key: 'app.conf', optional: true } })],
    ['secretKeyRef', valueFrom({ secretKeyRef: { name: 'creds', key: 'PASSWORD' } })],
    ['every plain fieldRef path', env(...['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.podIP', 'status.podIPs'].map((fieldPath, i) => ({ name: `F${i}`, valueFrom: { fieldRef: { fieldPath } } })))],
    ['fieldRef with apiVersion', valueFrom({ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } })],
    ['a label and an annotation by key', env({ name: 'L', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app.kubernetes.io/name']" } } }, { name: 'A', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['Owner']" } } })],
    ['resourceFieldRef with divisors', env({ name: 'C', valueFrom: { resourceFieldRef: { containerName: 'c', resource: 'limits.cpu', divisor: '1m' } } }, { name: 'M', valueFrom: { resourceFieldRef: { resource: 'requests.memory', divisor: '1Mi' } } }, { name: 'E', valueFrom: { resourceFieldRef: { resource: 'limits.ephemeral-storage', divisor: 1 } } })],
    ['envFrom both kinds, with a prefix', withContainer({ envFrom: [{ configMapRef: { name: 'settings' } }, { prefix: 'DB_', secretRef: { name: 'creds', optional: true } }] })],
    ['envFrom with an empty prefix', withContainer({ envFrom: [{ prefix: '', configMapRef: { name: 'settings' } }] })],
    [
      'every volume kind, mounted',
      withContainer(
        { volumeMounts: [{ name: 'conf', mountPath: '/etc/app', readOnly: true }, { name: 'creds', mountPath: '/run/creds' }, { name: 'scratch', mountPath: '/tmp/s', subPath: 'a/b' }] },
        {
          volumes: [
            { name: 'conf', configMap: { name: 'settings', items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o644 }], defaultMode: 0o440, optional: true } },
            { name: 'creds', secret: { secretName: 'creds', defaultMode: 0o400, items: [{ key: 'k', path: 'k' }] } },
            { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
            { name: 'disk', emptyDir: {} },
          ],
        },
      ),
    ],
    ['modes at the bounds', cmVolume({ name: 'cm', defaultMode: 0, items: [{ key: 'k', path: 'p', mode: 511 }] })],
    ['a path containing dots that is no ".." element', cmVolume({ name: 'cm', items: [{ key: 'k', path: 'a/..b/c..' }] })],
    ['imagePullSecrets', { imagePullSecrets: [{ name: 'registry' }] }],
  ];
  for (const [why, spec] of valid) t.same(errorsOf(spec), [], why);
});

t.test('invalid config consumption is reported at its path with Kubernetes message', async (t) => {
  const table: Array<[string, Spec, string, RegExp]> = [
    // env
    ['value and valueFrom', env({ name: 'A', value: 'x' }, { name: 'B', value: 'y', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }), 'spec.containers[0].env[1].valueFrom', /may not be specified when `value` is not empty/],
    ['valueFrom with no source', valueFrom({}), 'spec.containers[0].env[0].valueFrom', /must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`/],
    ['valueFrom with two sources', valueFrom({ configMapKeyRef: { name: 'cm', key: 'k' }, secretKeyRef: { name: 's', key: 'k' } }), 'spec.containers[0].env[0].valueFrom', /may not have more than one field specified at a time/],
    ['a name starting with a digit', env({ name: '1A', value: 'x' }), 'spec.containers[0].env[0].name', /a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit/],
    ['a name with a space', env({ name: 'A B', value: 'x' }), 'spec.containers[0].env[0].name', /regex used for validation is '\[-\._a-zA-Z\]\[-\._a-zA-Z0-9\]\*'/],
    ['an empty name', env({ name: '', value: 'x' }), 'spec.containers[0].env[0].name', /^Required value$/],
    ['configMapKeyRef without a key', valueFrom({ configMapKeyRef: { name: 'cm' } }), 'spec.containers[0].env[0].valueFrom.configMapKeyRef.key', /Required value/],
    ['configMapKeyRef with an empty key', valueFrom({ configMapKeyRef: { name: 'cm', key: '' } }), 'spec.containers[0].env[0].valueFrom.configMapKeyRef.key', /^Required value$/],
    ['secretKeyRef with a bad key', valueFrom({ secretKeyRef: { name: 's', key: 'a/b' } }), 'spec.containers[0].env[0].valueFrom.secretKeyRef.key', /a valid config key must consist of alphanumeric characters/],
    ['secretKeyRef with an empty name', valueFrom({ secretKeyRef: { name: '', key: 'k' } }), 'spec.containers[0].env[0].valueFrom.secretKeyRef.name', /^Required value$/],
    ['secretKeyRef with an upper-case name', valueFrom({ secretKeyRef: { name: 'Creds', key: 'k' } }), 'spec.containers[0].env[0].valueFrom.secretKeyRef.name', /RFC 1123 subdomain/],
    ['an unknown field in a key ref', valueFrom({ configMapKeyRef: { name: 'cm', key: 'k', namespace: 'other' } }), 'spec.containers[0].env[0].valueFrom.configMapKeyRef.namespace', /unknown field/],
    ['an unsupported fieldPath', valueFrom({ fieldRef: { fieldPath: 'spec.containers' } }), 'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath', /^Unsupported value: "spec.containers": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "metadata.labels\['<KEY>'\]", "metadata.annotations\['<KEY>'\]", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.podIP", "status.podIPs"$/],
    ['all labels at once (a volume-only path)', valueFrom({ fieldRef: { fieldPath: 'metadata.labels' } }), 'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath', /^Unsupported value: "metadata.labels"/],
    ['a label subscript that is no label key', valueFrom({ fieldRef: { fieldPath: "metadata.labels['a b']" } }), 'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath', /Invalid value: "a b"/],
    ['an empty fieldPath', valueFrom({ fieldRef: { fieldPath: '' } }), 'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath', /^Required value$/],
    ['fieldRef apiVersion other than v1', valueFrom({ fieldRef: { apiVersion: 'v2', fieldPath: 'metadata.name' } }), 'spec.containers[0].env[0].valueFrom.fieldRef.apiVersion', /./],
    ['an unsupported resource', valueFrom({ resourceFieldRef: { resource: 'limits.gpu' } }), 'spec.containers[0].env[0].valueFrom.resourceFieldRef.resource', /^Unsupported value: "limits.gpu": supported values: "limits.cpu"/],
    ['an empty resource', valueFrom({ resourceFieldRef: { resource: '' } }), 'spec.containers[0].env[0].valueFrom.resourceFieldRef.resource', /^Required value$/],
    ['a cpu divisor of 2', valueFrom({ resourceFieldRef: { resource: 'limits.cpu', divisor: '2' } }), 'spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor', /only divisor's values 1m and 1 are supported with the cpu resource/],
    ['a memory divisor of 1m', valueFrom({ resourceFieldRef: { resource: 'limits.memory', divisor: '1m' } }), 'spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor', /only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the memory resource/],
    ['a storage divisor of 3Ki', valueFrom({ resourceFieldRef: { resource: 'requests.ephemeral-storage', divisor: '3Ki' } }), 'spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor', /supported with the local ephemeral storage resource/],
    // envFrom
    ['envFrom with no ref', withContainer({ envFrom: [{ prefix: 'X_' }] }), 'spec.containers[0].envFrom[0]', /must specify one of: `configMapRef` or `secretRef`/],
    ['envFrom with both refs', withContainer({ envFrom: [{ configMapRef: { name: 'a' }, secretRef: { name: 'b' } }] }), 'spec.containers[0].envFrom[0]', /may not have more than one field specified at a time/],
    ['envFrom with a bad prefix', withContainer({ envFrom: [{ prefix: '9X', configMapRef: { name: 'a' } }] }), 'spec.containers[0].envFrom[0].prefix', /a valid environment variable name/],
    ['envFrom ref without a name', withContainer({ envFrom: [{ secretRef: {} }] }), 'spec.containers[0].envFrom[0].secretRef.name', /Required value/],
    // volumes
    ['a volume with no source', { volumes: [{ name: 'v' }] }, 'spec.volumes[0]', /^must specify a volume type$/],
    ['a volume with two sources', { volumes: [{ name: 'v', emptyDir: {}, secret: { secretName: 's' } }] }, 'spec.volumes[0].emptyDir', /^may not specify more than 1 volume type$/],
    ['hostPath is not supported', { volumes: [{ name: 'v', hostPath: { path: '/' } }] }, 'spec.volumes[0].hostPath', /unknown field/],
    ['a duplicate volume name', { volumes: [{ name: 'v', emptyDir: {} }, { name: 'v', emptyDir: {} }] }, 'spec.volumes[1].name', /^Duplicate value: "v"$/],
    ['a volume name that is no DNS label', { volumes: [{ name: 'My_Vol', emptyDir: {} }] }, 'spec.volumes[0].name', /RFC 1123 label/],
    ['a configMap volume without a name', cmVolume({}), 'spec.volumes[0].configMap.name', /Required value/],
    ['a secret volume without secretName', { volumes: [{ name: 'v', secret: { name: 's' } }] }, 'spec.volumes[0].secret.secretName', /Required value/],
    ['an absolute item path', cmVolume({ name: 'cm', items: [{ key: 'k', path: '/etc/passwd' }] }), 'spec.volumes[0].configMap.items[0].path', /^Invalid value: "\/etc\/passwd": must be a relative path$/],
    ['an item path with ..', cmVolume({ name: 'cm', items: [{ key: 'k', path: 'a/../../b' }] }), 'spec.volumes[0].configMap.items[0].path', /must not contain '\.\.'/],
    ['an item path of ..', { volumes: [{ name: 'v', secret: { secretName: 's', items: [{ key: 'k', path: '..' }] } }] }, 'spec.volumes[0].secret.items[0].path', /must not contain '\.\.'/],
    ['an item path starting with .. (the atomic writer\'s names)', cmVolume({ name: 'cm', items: [{ key: 'k', path: '..data' }] }), 'spec.volumes[0].configMap.items[0].path', /must not start with '\.\.'/],
    ['an empty item path', cmVolume({ name: 'cm', items: [{ key: 'k', path: '' }] }), 'spec.volumes[0].configMap.items[0].path', /^Required value$/],
    ['an item without a key', cmVolume({ name: 'cm', items: [{ key: '', path: 'p' }] }), 'spec.volumes[0].configMap.items[0].key', /^Required value$/],
    ['a mode above 0777', cmVolume({ name: 'cm', items: [{ key: 'k', path: 'p', mode: 512 }] }), 'spec.volumes[0].configMap.items[0].mode', /^must be a number between 0 and 0777 \(octal\), both inclusive$/],
    ['a negative defaultMode', cmVolume({ name: 'cm', defaultMode: -1 }), 'spec.volumes[0].configMap.defaultMode', /must be a number between 0 and 0777/],
    ['a fractional defaultMode', { volumes: [{ name: 'v', secret: { secretName: 's', defaultMode: 1.5 } }] }, 'spec.volumes[0].secret.defaultMode', /must be a number between 0 and 0777/],
    ['an emptyDir medium other than Memory', { volumes: [{ name: 'v', emptyDir: { medium: 'HugePages' } }] }, 'spec.volumes[0].emptyDir.medium', /./],
    ['a bad sizeLimit', { volumes: [{ name: 'v', emptyDir: { sizeLimit: 'lots' } }] }, 'spec.volumes[0].emptyDir.sizeLimit', /quantities must match/],
    // volumeMounts
    ['a mount of no pod volume', withContainer({ volumeMounts: [{ name: 'nope', mountPath: '/x' }] }), 'spec.containers[0].volumeMounts[0].name', /^Not found: "nope"$/],
    ['a relative mountPath', withContainer({ volumeMounts: [{ name: 'v', mountPath: 'etc/app' }] }, { volumes: [{ name: 'v', emptyDir: {} }] }), 'spec.containers[0].volumeMounts[0].mountPath', /must be an absolute path/],
    ['an empty mountPath', withContainer({ volumeMounts: [{ name: 'v', mountPath: '' }] }, { volumes: [{ name: 'v', emptyDir: {} }] }), 'spec.containers[0].volumeMounts[0].mountPath', /^Required value$/],
    ['two mounts on one path', withContainer({ volumeMounts: [{ name: 'v', mountPath: '/x' }, { name: 'w', mountPath: '/x' }] }, { volumes: [{ name: 'v', emptyDir: {} }, { name: 'w', emptyDir: {} }] }), 'spec.containers[0].volumeMounts[1].mountPath', /^Invalid value: "\/x": must be unique$/],
    ['a subPath with ..', withContainer({ volumeMounts: [{ name: 'v', mountPath: '/x', subPath: 'a/../..' }] }, { volumes: [{ name: 'v', emptyDir: {} }] }), 'spec.containers[0].volumeMounts[0].subPath', /must not contain '\.\.'/],
    ['an absolute subPath', withContainer({ volumeMounts: [{ name: 'v', mountPath: '/x', subPath: '/etc' }] }, { volumes: [{ name: 'v', emptyDir: {} }] }), 'spec.containers[0].volumeMounts[0].subPath', /must be a relative path/],
    ['a mount without a name', withContainer({ volumeMounts: [{ mountPath: '/x' }] }), 'spec.containers[0].volumeMounts[0].name', /Required value/],
    // imagePullSecrets
    ['an imagePullSecret without a name', { imagePullSecrets: [{}] }, 'spec.imagePullSecrets[0].name', /Required value/],
    ['an imagePullSecret with a bad name', { imagePullSecrets: [{ name: 'Reg Cred' }] }, 'spec.imagePullSecrets[0].name', /RFC 1123 subdomain/],
  ];
  for (const [why, spec, path, message] of table) {
    const errors = errorsOf(spec);
    const hit = errors.find((e) => e.path === path);
    t.ok(hit, `${why}: an error at ${path} (got ${JSON.stringify(errors)})`);
    if (hit) t.match(hit.message, message, why);
  }
});

t.test('a mount naming no volume is reported alongside the other errors', async (t) => {
  const errors = errorsOf(withContainer({ volumeMounts: [{ name: 'nope', mountPath: '/x' }] }, { tolerations: [{ operator: 'Equal', value: 'x' }] }));
  t.same(
    errors.map((e) => e.path),
    ['spec.tolerations[0].operator', 'spec.containers[0].volumeMounts[0].name'],
  );
});

t.test('pod templates of every workload get the same rules', async (t) => {
  const template = {
    metadata: { labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'i', env: [{ name: 'A', value: 'x', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }], volumeMounts: [{ name: 'gone', mountPath: '/x' }] }] },
  };
  const spec = { selector: { matchLabels: { app: 'web' } }, template };
  for (const kind of ['Deployment', 'ReplicaSet', 'DaemonSet']) {
    const result = validateObject({ apiVersion: 'apps/v1', kind, metadata: { name: 'w' }, spec });
    const errors = result.ok ? [] : result.errors;
    t.same(
      errors.map((e) => e.path),
      ['spec.template.spec.containers[0].env[0].valueFrom', 'spec.template.spec.containers[0].volumeMounts[0].name'],
      kind,
    );
  }
});
