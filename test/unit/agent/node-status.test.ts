import type { NetworkInterfaceInfo } from 'node:os';
import t from 'tap';
import { firstExternalIPv4, prettyName } from '../../../agent/report/node-facts.js';
import { buildNodeStatus, goArch, machineCapacity, nodeLabels } from '../../../agent/report/node-status.js';
import { PressureTracker } from '../../../agent/report/node-pressure.js';
import { computeAllocatable, resourceLists } from '../../../agent/report/node-resources.js';

t.test('architectures use Go’s names', async (t) => {
  t.same(['x64', 'arm64', 'arm', 'riscv64'].map(goArch), ['amd64', 'arm64', 'arm', 'riscv64']);
});

t.test('node labels: kubernetes.io defaults, then --node-label entries override and add', async (t) => {
  t.same(nodeLabels('pi-1', 'arm64', { 'kubernetes.io/arch': 'arm', zone: 'attic' }), {
    'kubernetes.io/hostname': 'pi-1',
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'arm',
    zone: 'attic',
  });
});

t.test('node status: capacity, Ready condition, addresses and nodeInfo as kubelet reports them', async (t) => {
  const facts = { cpuCores: 4, memoryBytes: 8_000_000_000, architecture: 'arm64', kernelVersion: '6.6.31', osImage: 'Debian GNU/Linux 12 (bookworm)', containerRuntimeVersion: 'docker://20.10.24', internalIP: '10.0.0.5', hostname: 'pi' };
  const status = buildNodeStatus(facts, 'now', 'since');
  t.same(status.capacity, { cpu: '4', memory: '7812500Ki', pods: '110' });
  t.same(status.allocatable, status.capacity);
  t.match(status.conditions, [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: 'now', lastTransitionTime: 'since' }]);
  t.same(status.addresses, [{ type: 'InternalIP', address: '10.0.0.5' }, { type: 'Hostname', address: 'pi' }]);
  t.match(status.nodeInfo, { architecture: 'arm64', operatingSystem: 'linux', kernelVersion: '6.6.31', osImage: 'Debian GNU/Linux 12 (bookworm)', containerRuntimeVersion: 'docker://20.10.24', kubeletVersion: /^v1\.\d+\.\d+-skiff/ });
});

t.test('node status with computed resources and pressure conditions, listed before Ready as kubelet does', async (t) => {
  const facts = { cpuCores: 2, memoryBytes: 2 ** 30, architecture: 'arm', kernelVersion: '6.6', osImage: 'Raspbian', containerRuntimeVersion: 'docker://20.10.24', hostname: 'pi' };
  const capacity = machineCapacity(facts, 20, 16 * 2 ** 30);
  t.same(capacity, { milliCpu: 2000, memoryBytes: 2 ** 30, maxPods: 20, ephemeralStorageBytes: 16 * 2 ** 30 });
  const tracker = new PressureTracker(1000, 'since');
  tracker.observe(['memory.available'], 0);
  const resources = resourceLists(capacity, computeAllocatable(capacity, [{ memory: 2 ** 29 }], {}));
  const status = buildNodeStatus(facts, 'now', 'since', { resources, pressure: tracker.conditions('now') });
  t.same(status.capacity, { cpu: '2', 'ephemeral-storage': `${16 * 2 ** 20}Ki`, memory: `${2 ** 20}Ki`, pods: '20' });
  t.same(status.allocatable, { cpu: '2', 'ephemeral-storage': String(16 * 2 ** 30), memory: `${2 ** 19}Ki`, pods: '20' });
  t.same(status.conditions?.map((c) => `${c.type}=${c.status}`), ['MemoryPressure=True', 'DiskPressure=False', 'PIDPressure=False', 'Ready=True']);
  t.same(status.addresses, [{ type: 'Hostname', address: 'pi' }], 'no InternalIP when none is known');
});

t.test('os-release PRETTY_NAME, quoted or not', async (t) => {
  t.equal(prettyName('NAME="Debian"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'), 'Debian GNU/Linux 12 (bookworm)');
  t.equal(prettyName("PRETTY_NAME='Raspbian'"), 'Raspbian');
  t.equal(prettyName('PRETTY_NAME=Alpine'), 'Alpine');
  t.equal(prettyName('NAME=x'), undefined);
});

t.test('InternalIP: the first non-internal IPv4 of a real interface, never docker0 or veths', async (t) => {
  const iface = (address: string, family: 'IPv4' | 'IPv6' = 'IPv4', internal = false) =>
    ({ address, family, internal, netmask: '', mac: '', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) }) as NetworkInterfaceInfo;
  t.equal(
    firstExternalIPv4({ lo: [iface('127.0.0.1', 'IPv4', true)], docker0: [iface('172.17.0.1')], veth1: [iface('169.254.1.1')], eth0: [iface('fe80::1', 'IPv6'), iface('192.168.1.20')] }),
    '192.168.1.20',
  );
  t.equal(firstExternalIPv4({ lo: [iface('127.0.0.1', 'IPv4', true)] }), undefined);
});
