/**
 * Services and Endpoints on a real hub and agent with real containers (issue #8, hub slice):
 * a NodePort Service applied as a Kubernetes manifest gets a clusterIP of 10.43.0.0/16 and a
 * nodePort of 30000-32767, its Endpoints follow the Ready Pods it selects through a named
 * targetPort, re-applying the same manifest changes nothing, and a nodePort out of range or
 * already taken fails `skiff apply` with nothing stored. The node proxy that answers on the
 * nodePort is the next slice.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { KubeObject } from '../../shared/api/object.js';
import type { Endpoints, ServiceSpec } from '../../shared/api/schema/service.js';
import { TestCluster } from '../helpers/cluster.js';
import { webDeployment } from '../helpers/manifests.js';
import { isRunningAndReady, listPods } from '../helpers/pods.js';
import { repoRoot } from '../helpers/repo.js';
import { waitFor } from '../helpers/wait.js';

type ServiceView = KubeObject & { spec: ServiceSpec };

const webService = (name: string, nodePort?: number): string => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  type: NodePort
  selector:
    app: nginx
  ports:
  - name: http
    port: 80
    targetPort: http
${nodePort !== undefined ? `    nodePort: ${nodePort}\n` : ''}`;

const readyIps = (ep: Endpoints | undefined): string[] => (ep?.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort();

t.test('a NodePort Service gets its clusterIP, nodePort and Endpoints', async (t) => {
  const cluster = await TestCluster.start(t, { agents: ['edge1'] });
  const file = (name: string, text: string): string => {
    const path = join(cluster.dir, name);
    writeFileSync(path, text);
    return path;
  };
  const endpoints = async (name: string): Promise<Endpoints | undefined> => {
    const res = await cluster.fetch(`/api/v1/namespaces/default/endpoints/${name}`);
    return res.status === 200 ? ((await res.json()) as Endpoints) : undefined;
  };

  // The deployment is named nginx so that its Pods (app=nginx) are also what docs/examples/nginx-service.yaml selects.
  const deploy = await cluster.skiff(['apply', '-f', '-'], {
    input: webDeployment('nginx', { container: { ports: [{ name: 'http', containerPort: 80 }] } }, { replicas: 2 }),
  });
  t.equal(deploy.code, 0, deploy.stderr);
  const serviceFile = file('web-service.yaml', webService('web'));
  const apply = await cluster.skiff(['apply', '-f', serviceFile]);
  t.equal(apply.code, 0, apply.stderr);
  t.equal(apply.stdout.trim(), 'service/web created');

  const service = await cluster.getJson<ServiceView>(['get', 'svc', 'web']);
  const clusterIP = service.spec.clusterIP!;
  const nodePort = service.spec.ports![0]!.nodePort!;

  await t.test('skiff get svc shows a clusterIP of 10.43.0.0/16 and a nodePort of the range', async (t) => {
    t.match(clusterIP, /^10\.43\.\d{1,3}\.\d{1,3}$/);
    t.ok(nodePort >= 30000 && nodePort <= 32767, `nodePort ${nodePort} in 30000-32767`);
    t.match(service.spec, { type: 'NodePort', sessionAffinity: 'None', clusterIPs: [clusterIP], ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] });
    const get = await cluster.skiff(['get', 'svc']);
    t.equal(get.code, 0, get.stderr);
    t.match(get.stdout, new RegExp(`^NAME\\s+TYPE\\s+CLUSTER-IP\\s+EXTERNAL-IP\\s+PORT\\(S\\)\\s+AGE\\nweb\\s+NodePort\\s+${clusterIP.replaceAll('.', '\\.')}\\s+<none>\\s+80:${nodePort}/TCP\\s+\\d+s\\n$`));
    const wide = await cluster.skiff(['get', 'svc', 'web', '-o', 'wide']);
    t.match(wide.stdout, /SELECTOR\nweb\s+.*\s+app=nginx\n$/);
  });

  await t.test('the Endpoints list both Pods once Ready, on the container port the name resolves to', async (t) => {
    const pods = await waitFor('2 nginx Pods Running and Ready', async () => {
      const list = await listPods(cluster, 'app=nginx');
      return list.length === 2 && list.every(isRunningAndReady) ? list : undefined;
    });
    const podIps = pods.map((p) => p.status!.podIP!).sort();
    const ep = await waitFor('Endpoints with both Pod IPs', async () => {
      const current = await endpoints('web');
      return readyIps(current).join() === podIps.join() ? current : undefined;
    });
    t.same(ep.subsets![0]!.ports, [{ name: 'http', port: 80, protocol: 'TCP' }]);
    t.same(ep.subsets![0]!.addresses!.map((a) => a.targetRef?.name).sort(), pods.map((p) => p.metadata.name).sort());
    const get = await cluster.skiff(['get', 'endpoints']);
    t.equal(get.code, 0, get.stderr);
    // In the Endpoints' own order (the Pods' names), which is not the IPs' text order.
    const printed = ep.subsets![0]!.addresses!.map((a) => `${a.ip.replaceAll('.', '\\.')}:80`).join(',');
    t.match(get.stdout, new RegExp(`^NAME\\s+ENDPOINTS\\s+AGE\\nweb\\s+${printed}\\s+\\d+s\\n$`));
  });

  await t.test('applying the same manifest again changes nothing', async (t) => {
    const again = await cluster.skiff(['apply', '-f', serviceFile]);
    t.equal(again.code, 0, again.stderr);
    t.equal(again.stdout.trim(), 'service/web unchanged');
    const after = await cluster.getJson<ServiceView>(['get', 'svc', 'web']);
    t.equal(after.spec.clusterIP, clusterIP);
    t.equal(after.spec.ports![0]!.nodePort, nodePort);
    t.equal(after.metadata.resourceVersion, service.metadata.resourceVersion);
  });

  await t.test('a changed manifest without clusterIP or nodePort keeps both', async (t) => {
    const labelled = await cluster.skiff(['apply', '-f', file('web-service-labelled.yaml', webService('web').replace('  name: web\n', '  name: web\n  labels: {tier: front}\n'))]);
    t.equal(labelled.code, 0, labelled.stderr);
    t.equal(labelled.stdout.trim(), 'service/web configured');
    const after = await cluster.getJson<ServiceView>(['get', 'svc', 'web']);
    t.equal(after.metadata.labels?.tier, 'front');
    t.equal(after.spec.clusterIP, clusterIP);
    t.equal(after.spec.ports![0]!.nodePort, nodePort);
  });

  await t.test('the Kubernetes tutorial Service applies as written and gets its nodePort', async (t) => {
    const tutorial = await cluster.skiff(['apply', '-f', join(repoRoot(), 'docs', 'examples', 'nginx-service.yaml')]);
    t.equal(tutorial.code, 0, tutorial.stderr);
    const mine = await cluster.getJson<ServiceView>(['get', 'svc', 'my-service']);
    t.equal(mine.spec.ports![0]!.nodePort, 30007);
    t.not(mine.spec.clusterIP, clusterIP);
    await waitFor('my-service Endpoints with both Pods', async () => readyIps(await endpoints('my-service')).length === 2 || undefined);
  });

  await t.test('a nodePort out of range or already taken fails apply, and nothing is stored', async (t) => {
    const outOfRange = file('out-of-range.yaml', webService('low', 80));
    const low = await cluster.skiff(['apply', '-f', outOfRange]);
    t.equal(low.code, 1);
    t.match(low.stderr, /Service "low" is invalid: spec\.ports\[0\]\.nodePort: Invalid value: 80: provided port is not in the valid range\. The range of valid ports is 30000-32767/);
    const taken = file('taken.yaml', webService('second', 30007));
    const second = await cluster.skiff(['apply', '-f', taken]);
    t.equal(second.code, 1);
    t.match(second.stderr, /Service "second" is invalid: spec\.ports\[0\]\.nodePort: Invalid value: 30007: provided port is already allocated/);
    const names = (await cluster.getJson<{ items: KubeObject[] }>(['get', 'svc'])).items.map((s) => s.metadata.name).sort();
    t.same(names, ['my-service', 'web'], 'neither was stored');

    t.match(low.stderr, new RegExp(`error when applying "${outOfRange.replaceAll('.', '\\.')}" \\(document 1\\)`), 'the error names the file and document');
    t.match(second.stderr, new RegExp(`error when applying "${taken.replaceAll('.', '\\.')}" \\(document 1\\)`), 'the error names the file and document');
  });

  await t.test('scaling to 1 shrinks the Endpoints to the remaining Pod', async (t) => {
    const scale = await cluster.skiff(['scale', 'deployment/nginx', '--replicas=1']);
    t.equal(scale.code, 0, scale.stderr);
    const remaining = await waitFor('1 nginx Pod left', async () => {
      const list = (await listPods(cluster, 'app=nginx')).filter((p) => !p.metadata.deletionTimestamp);
      return list.length === 1 && isRunningAndReady(list[0]!) ? list[0]! : undefined;
    });
    const ep = await waitFor('Endpoints with one Pod', async () => {
      const current = await endpoints('web');
      return readyIps(current).join() === remaining.status!.podIP ? current : undefined;
    });
    t.equal(ep.subsets![0]!.addresses![0]!.targetRef?.name, remaining.metadata.name);
  });

  await t.test('deleting the Service deletes its Endpoints and frees its nodePort', async (t) => {
    const del = await cluster.skiff(['delete', 'svc', 'my-service']);
    t.equal(del.code, 0, del.stderr);
    await waitFor('my-service Endpoints gone', async () => (await endpoints('my-service')) === undefined || undefined);
    const reuse = await cluster.skiff(['apply', '-f', file('reuse.yaml', webService('second', 30007))]);
    t.equal(reuse.code, 0, reuse.stderr);
  });
});
