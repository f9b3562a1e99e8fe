/** configReferences: every ConfigMap and Secret a PodSpec names, whichever way it names them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { configReferences } from '../../../shared/api/config-refs.js';
import type { PodSpec } from '../../../shared/api/schema/pod.js';
import { repoRoot } from '../../helpers/repo.js';

const sorted = (set: Set<string>): string[] => [...set].sort();

t.test('env, envFrom, volumes and imagePullSecrets are all references, each name once', async (t) => {
  const spec: PodSpec = {
    containers: [
      {
        name: 'app',
        image: 'i',
        env: [
          { name: 'PLAIN', value: 'x' },
          { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'settings', key: 'level' } } },
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password', optional: true } } },
          { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        ],
        envFrom: [{ configMapRef: { name: 'defaults' } }, { prefix: 'API_', secretRef: { name: 'api' } }],
      },
      { name: 'sidecar', image: 'i', env: [{ name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'settings', key: 'level' } } }], envFrom: [{ secretRef: { name: 'db' } }] },
    ],
    volumes: [
      { name: 'conf', configMap: { name: 'files' } },
      { name: 'tls', secret: { secretName: 'certs' } },
      { name: 'scratch', emptyDir: {} },
    ],
    imagePullSecrets: [{ name: 'registry' }],
  };
  const refs = configReferences(spec);
  t.same(sorted(refs.configMaps), ['defaults', 'files', 'settings']);
  t.same(sorted(refs.secrets), ['api', 'certs', 'db', 'registry']);
});

t.test('a Pod that consumes nothing refers to nothing', async (t) => {
  const refs = configReferences({ containers: [{ name: 'c', image: 'i', env: [{ name: 'A', value: 'x' }] }] });
  t.same([refs.configMaps.size, refs.secrets.size], [0, 0]);
});

t.test('a ConfigMap and a Secret of the same name are different references', async (t) => {
  const refs = configReferences({ containers: [{ name: 'c', image: 'i', envFrom: [{ configMapRef: { name: 'app' } }, { secretRef: { name: 'app' } }] }] });
  t.same([sorted(refs.configMaps), sorted(refs.secrets)], [['app'], ['app']]);
});

t.test('the module loads no schema code at run time (the agent imports it on a 1 GB Pi)', async (t) => {
  const source = readFileSync(join(repoRoot(), 'shared', 'api', 'config-refs.ts'), 'utf8');
  const imports = source.split('\n').filter((line) => line.startsWith('import '));
  t.ok(imports.length > 0);
  for (const line of imports) t.match(line, /^import type /, line);
});
