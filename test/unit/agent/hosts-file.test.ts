import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { hostsFileContent } from '../../../agent/services/hosts-file.js';
import { writeHostsFileInPlace } from '../../../agent/services/hosts-file-writer.js';
import type { ViewService } from '../../../shared/mqtt/services-view.js';

function service(namespace: string, name: string, clusterIP?: string): ViewService {
  return { namespace, name, type: 'ClusterIP', ...(clusterIP ? { clusterIP } : {}), ports: [{ name: '', port: 80, endpoints: [] }] };
}

const KUBELET_PART = [
  '# Kubernetes-managed hosts file.',
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'fe00::0\tip6-mcastprefix',
  'fe00::1\tip6-allnodes',
  'fe00::2\tip6-allrouters',
  '172.17.0.5\tweb-1',
];
const SERVICES_HEADER = '# Services (Skiff): the cluster DNS names of every Service with a clusterIP, as Skiff runs no DNS server.';
const lines = (...parts: string[]): string => parts.map((p) => `${p}\n`).join('');

t.test("no aliases and no Services: kubelet's managed hosts file, byte for byte", async (t) => {
  t.equal(hostsFileContent({ podIP: '172.17.0.5', hostname: 'web-1', namespace: 'shop', services: [] }), lines(...KUBELET_PART));
});

t.test("hostAliases: kubelet's section, one line per hostname, in order", async (t) => {
  const content = hostsFileContent({
    podIP: '172.17.0.5',
    hostname: 'web-1',
    namespace: 'shop',
    services: [],
    hostAliases: [
      { ip: '10.0.0.1', hostnames: ['foo.local', 'bar.local'] },
      { ip: '10.0.0.2', hostnames: ['baz.local'] },
    ],
  });
  t.equal(content, lines(...KUBELET_PART, '', '# Entries added by HostAliases.', '10.0.0.1\tfoo.local', '10.0.0.1\tbar.local', '10.0.0.2\tbaz.local'));
});

t.test("Services: own namespace with the bare name too, others qualified, headless left out, sorted", async (t) => {
  const content = hostsFileContent({
    podIP: '172.17.0.5',
    hostname: 'web-1',
    namespace: 'shop',
    services: [service('shop', 'web', '10.43.0.12'), service('other', 'cache', '10.43.0.13'), service('shop', 'db'), service('shop', 'api', '10.43.0.14')],
    hostAliases: [{ ip: '10.0.0.1', hostnames: ['foo.local'] }],
  });
  t.equal(
    content,
    lines(
      ...KUBELET_PART,
      '',
      '# Entries added by HostAliases.',
      '10.0.0.1\tfoo.local',
      '',
      SERVICES_HEADER,
      '10.43.0.13\tcache.other cache.other.svc cache.other.svc.cluster.local',
      '10.43.0.14\tapi api.shop api.shop.svc api.shop.svc.cluster.local',
      '10.43.0.12\tweb web.shop web.shop.svc web.shop.svc.cluster.local',
    ),
  );
});

t.test('the cluster domain can be set', async (t) => {
  const content = hostsFileContent({ podIP: '172.17.0.5', hostname: 'web-1', namespace: 'shop', services: [service('shop', 'web', '10.43.0.12')], clusterDomain: 'edge.lan' });
  t.match(content, /\n10\.43\.0\.12\tweb web\.shop web\.shop\.svc web\.shop\.svc\.edge\.lan\n$/);
});

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-hosts-file-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('the writer creates the file with mode 0644, making its directory', async (t) => {
  const path = join(tempDir(t), 'pods', 'uid-1', 'etc-hosts');
  t.equal(await writeHostsFileInPlace(path, 'first\n'), true);
  t.equal(readFileSync(path, 'utf8'), 'first\n');
  t.equal((statSync(path).mode & 0o777).toString(8), '644');
});

t.test('the writer rewrites in place: same inode, shorter content fully replaces longer', async (t) => {
  const path = join(tempDir(t), 'etc-hosts');
  await writeHostsFileInPlace(path, 'a much longer first content\n');
  const before = statSync(path).ino;
  t.equal(await writeHostsFileInPlace(path, 'short\n'), true);
  t.equal(readFileSync(path, 'utf8'), 'short\n');
  t.equal(statSync(path).ino, before, 'a bind mount of the file keeps seeing it');
});

t.test('the writer does not write an equal content', async (t) => {
  const path = join(tempDir(t), 'etc-hosts');
  writeFileSync(path, 'same\n');
  // An mtime in the past, which any write would move to now; and read-only, so that a write
  // attempt fails outright (unless running as root, where the mtime still tells).
  const past = new Date('2020-01-01T00:00:00Z');
  utimesSync(path, past, past);
  chmodSync(path, 0o444);
  t.equal(await writeHostsFileInPlace(path, 'same\n'), false);
  t.equal(statSync(path).mtimeMs, past.getTime());
  t.equal((statSync(path).mode & 0o777).toString(8), '444', 'not even its mode touched');
});
