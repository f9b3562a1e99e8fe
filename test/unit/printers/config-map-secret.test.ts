/** ConfigMap and Secret rows, as kubectl 1.32 prints them. */
import t from 'tap';
import { configMapCells, configMapColumns } from '../../../hub/printers/config-map.js';
import { printTable } from '../../../hub/printers/registry.js';
import { secretCells, secretColumns } from '../../../hub/printers/secret.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { ConfigMap, Secret } from '../../../shared/api/schema/config.js';
import { NOW, ago } from './fixtures/objects.js';

const configMap = (extra: Partial<ConfigMap>): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default', creationTimestamp: ago(90) }, ...extra });
const secret = (extra: Partial<Secret>): Secret => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'default', creationTimestamp: ago(3 * 3600) }, ...extra });

t.test('configmaps: NAME DATA AGE', async (t) => {
  t.same(configMapColumns.map((c) => [c.name, c.type]), [['Name', 'string'], ['Data', 'integer'], ['Age', 'string']]);
  t.same(configMapCells(configMap({ data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }), NOW), ['cfg', 3, '90s'], 'data and binaryData keys both count');
  t.same(configMapCells(configMap({}), NOW), ['cfg', 0, '90s']);
});

t.test('secrets: NAME TYPE DATA AGE', async (t) => {
  t.same(secretColumns.map((c) => [c.name, c.type]), [['Name', 'string'], ['Type', 'string'], ['Data', 'integer'], ['Age', 'string']]);
  t.same(secretCells(secret({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': 'e30=' } }), NOW), ['creds', 'kubernetes.io/dockerconfigjson', 1, '3h']);
  t.same(secretCells(secret({}), NOW), ['creds', 'Opaque', 0, '3h'], 'an untyped Secret is Opaque');
});

t.test('the registry serves both kinds', async (t) => {
  const table = printTable(resolveResource('cm')!, [configMap({ data: { a: '1' } }) as unknown as KubeObject], NOW);
  t.same(table.columnDefinitions.map((c) => c.name), ['Name', 'Data', 'Age']);
  t.same(table.rows[0]!.cells, ['cfg', 1, '90s']);
  const secrets = printTable(resolveResource('secrets')!, [secret({ type: 'Opaque', data: { a: 'YQ==' } }) as unknown as KubeObject], NOW);
  t.same(secrets.columnDefinitions.map((c) => c.name), ['Name', 'Type', 'Data', 'Age']);
});
