import t from 'tap';
import { daemonSetCells, daemonSetColumns } from '../../../hub/printers/daemon-set.js';
import { printerFor } from '../../../hub/printers/registry.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { DaemonSet } from '../../../shared/api/schema/workloads.js';
import { NOW, ago } from './fixtures/objects.js';

const template = {
  metadata: { labels: { app: 'agent' } },
  spec: { nodeSelector: { zone: 'b', tier: 'edge' }, containers: [{ name: 'agent', image: 'skiff-test/web:1' }] },
};

t.test('daemonset columns: NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE, wide CONTAINERS IMAGES SELECTOR', async (t) => {
  t.same(
    daemonSetColumns.map((c) => [c.name.toUpperCase(), c.type, c.priority]),
    [
      ['NAME', 'string', 0],
      ['DESIRED', 'integer', 0],
      ['CURRENT', 'integer', 0],
      ['READY', 'integer', 0],
      ['UP-TO-DATE', 'integer', 0],
      ['AVAILABLE', 'integer', 0],
      ['NODE SELECTOR', 'string', 0],
      ['AGE', 'string', 0],
      ['CONTAINERS', 'string', 1],
      ['IMAGES', 'string', 1],
      ['SELECTOR', 'string', 1],
    ],
  );
  t.equal(printerFor(resolveResource('ds')!).columns, daemonSetColumns, 'registered for apps/DaemonSet');
});

t.test('daemonset cells read the status counts and print the node selector sorted', async (t) => {
  const ds: DaemonSet = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', creationTimestamp: ago(3 * 3600) },
    spec: { selector: { matchLabels: { app: 'agent' } }, template },
    status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberMisscheduled: 0, numberReady: 2, updatedNumberScheduled: 1, numberAvailable: 2 },
  };
  t.same(daemonSetCells(ds, NOW), ['agent', 3, 3, 2, 1, 2, 'tier=edge,zone=b', '3h', 'agent', 'skiff-test/web:1', 'app=agent']);
});

t.test('a new daemonset without status or node selector prints zeros and <none>', async (t) => {
  const ds: DaemonSet = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', creationTimestamp: ago(5) },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { ...template, spec: { containers: template.spec.containers } } },
  };
  t.same(daemonSetCells(ds, NOW).slice(0, 8), ['agent', 0, 0, 0, 0, 0, '<none>', '5s']);
});
