/**
 * NodeMetricsSampler on a fixture /proc and /sys tree in a temporary directory: every metric read
 * from its file, filesystems stat'ed for real (mount points are temporary directories), and a
 * file the board does not have left out of the sample and warned about once.
 */
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { NodeMetricsSampler } from '../../../agent/metrics/node-sampler.js';

interface LogLine {
  level: number;
  msg: string;
  metric?: string;
}

const WARN = 40;

function capturingLog(): { log: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { log, lines };
}

const MEMINFO = 'MemTotal:        3884096 kB\nMemFree:          512000 kB\nMemAvailable:    2048000 kB\nBuffers:           1000 kB\n';
const STAT = 'cpu  300 0 100 800 0 0 0 0\ncpu0 200 0 50 400 0 0 0 0\ncpu1 100 0 50 400 0 0 0 0\nbtime 1700000000\n';
const NET_DEV =
  'Inter-| Receive | Transmit\n face |bytes packets errs drop fifo frame compressed multicast|bytes packets errs drop fifo colls carrier compressed\n' +
  '    lo: 500 5 0 0 0 0 0 0 500 5 0 0 0 0 0 0\n  eth0: 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0\n';

interface Fixture {
  root: string;
  proc: string;
  sys: string;
  write(path: string, text: string): void;
  remove(path: string): void;
}

function fixtureTree(t: Test): Fixture {
  const root = mkdtempSync(join(tmpdir(), 'skiff-node-sampler-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string): void => {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
  };
  return { root, proc: join(root, 'proc'), sys: join(root, 'sys'), write, remove: (path) => unlinkSync(join(root, path)) };
}

/** A Raspberry Pi's worth of files, with two real directories as mount points. */
function piTree(t: Test): Fixture & { data: string; boot: string } {
  const f = fixtureTree(t);
  const data = join(f.root, 'mnt', 'data');
  const boot = join(f.root, 'mnt', 'boot fw');
  mkdirSync(data, { recursive: true });
  mkdirSync(boot, { recursive: true });
  f.write('proc/stat', STAT);
  f.write('proc/meminfo', MEMINFO);
  f.write('proc/loadavg', '0.50 0.25 0.10 1/200 4242\n');
  f.write('proc/uptime', '12345.67 40000.00\n');
  f.write('proc/net/dev', NET_DEV);
  f.write(
    'proc/mounts',
    [
      `/dev/mmcblk0p2 ${data} ext4 rw 0 0`,
      `/dev/mmcblk0p1 ${boot.replace(' ', '\\040')} vfat rw 0 0`,
      'proc /proc proc rw 0 0',
      `/dev/sda9 ${join(f.root, 'mnt', 'not-there')} ext4 rw 0 0`,
      '',
    ].join('\n'),
  );
  f.write('sys/class/thermal/thermal_zone0/temp', '47850\n');
  f.write('sys/devices/platform/soc/soc:firmware/get_throttled', '50005\n');
  return { ...f, data, boot };
}

t.test('a Raspberry Pi: every metric read from its file', async (t) => {
  const f = piTree(t);
  const { log, lines } = capturingLog();
  const sample = await new NodeMetricsSampler(log, { proc: f.proc, sys: f.sys }).sample();
  t.same(sample.cpuSeconds, [
    { user: 2, nice: 0, system: 0.5, idle: 4, iowait: 0, irq: 0, softirq: 0, steal: 0 },
    { user: 1, nice: 0, system: 0.5, idle: 4, iowait: 0, irq: 0, softirq: 0, steal: 0 },
  ]);
  t.equal(sample.bootTimeSeconds, 1700000000);
  t.same([sample.load1, sample.load5, sample.load15], [0.5, 0.25, 0.1]);
  t.equal(sample.memoryTotalBytes, 3884096 * 1024);
  t.equal(sample.memoryAvailableBytes, 2048000 * 1024);
  t.equal(sample.memoryFreeBytes, 512000 * 1024);
  t.equal(sample.uptimeSeconds, 12345.67);
  t.same(sample.network, [{ device: 'eth0', receiveBytes: 1000, transmitBytes: 2000 }]);
  t.equal(sample.temperatureCelsius, 47.85);
  t.same(sample.throttle, {
    underVoltage: true,
    frequencyCapped: false,
    throttled: true,
    softTemperatureLimit: false,
    underVoltageOccurred: true,
    frequencyCappedOccurred: false,
    throttledOccurred: true,
    softTemperatureLimitOccurred: false,
  });
  t.same(
    sample.filesystems.map((fs) => [fs.device, fs.mountpoint, fs.fstype]),
    [
      ['/dev/mmcblk0p2', f.data, 'ext4'],
      ['/dev/mmcblk0p1', f.boot, 'vfat'],
    ],
    'escaped mount point stat-ed by its real name; an unstat-able mount point skipped',
  );
  for (const fs of sample.filesystems) {
    t.ok(fs.sizeBytes > 0, `${fs.mountpoint} has a size`);
    t.ok(fs.freeBytes >= fs.availBytes && fs.sizeBytes >= fs.freeBytes, `${fs.mountpoint}: size >= free >= avail`);
  }
  t.same(lines.filter((l) => l.level >= WARN), [], 'nothing to warn about');
});

t.test('the hottest thermal zone wins; an unreadable zone is ignored', async (t) => {
  const f = piTree(t);
  f.write('sys/class/thermal/thermal_zone1/temp', '61000\n');
  f.write('sys/class/thermal/thermal_zone2/temp', 'garbage\n');
  mkdirSync(join(f.sys, 'class/thermal/thermal_zone3'));
  f.write('sys/class/thermal/cooling_device0/temp', '99000\n');
  const sample = await new NodeMetricsSampler(capturingLog().log, { proc: f.proc, sys: f.sys }).sample();
  t.equal(sample.temperatureCelsius, 61, 'cooling devices are not thermal zones');
});

t.test('the throttle word is also found under raspberrypi-hwmon', async (t) => {
  const f = piTree(t);
  f.remove('sys/devices/platform/soc/soc:firmware/get_throttled');
  f.write('sys/devices/platform/soc/soc:firmware/raspberrypi-hwmon/get_throttled', '0x4\n');
  const sample = await new NodeMetricsSampler(capturingLog().log, { proc: f.proc, sys: f.sys }).sample();
  t.equal(sample.throttle?.throttled, true);
  t.equal(sample.throttle?.underVoltage, false);
});

t.test('a PC without thermal zones or throttle file: those fields are absent, not zero, and no warning', async (t) => {
  const f = piTree(t);
  rmSync(join(f.sys), { recursive: true });
  const { log, lines } = capturingLog();
  const sampler = new NodeMetricsSampler(log, { proc: f.proc, sys: f.sys });
  const sample = await sampler.sample();
  t.notOk('temperatureCelsius' in sample);
  t.notOk('throttle' in sample);
  // Probed once: a board file that shows up later is not looked for again.
  f.write('sys/devices/platform/soc/soc:firmware/get_throttled', '1\n');
  f.write('sys/class/thermal/thermal_zone0/temp', '40000\n');
  const again = await sampler.sample();
  t.notOk('throttle' in again);
  t.notOk('temperatureCelsius' in again);
  t.same(lines.filter((l) => l.level >= WARN), []);
});

t.test('a missing /proc file: its metric left out and warned about once', async (t) => {
  const f = piTree(t);
  f.remove('proc/meminfo');
  f.remove('proc/stat');
  const { log, lines } = capturingLog();
  const sampler = new NodeMetricsSampler(log, { proc: f.proc, sys: f.sys });
  const first = await sampler.sample();
  t.equal(first.memoryTotalBytes, 0);
  t.equal(first.memoryAvailableBytes, 0);
  t.notOk('memoryFreeBytes' in first);
  t.same(first.cpuSeconds, []);
  t.equal(first.bootTimeSeconds, 0);
  t.equal(first.load1, 0.5, 'other metrics still sampled');
  await sampler.sample();
  const warnings = lines.filter((l) => l.level === WARN);
  t.same(warnings.map((w) => w.metric).sort(), ['cpu', 'memory'], 'one warning per metric over two samples');
  t.ok(warnings.every((w) => w.msg === 'cannot sample a node metric; it is left out'));
});

t.test('every /proc file missing: a sample of zeros and empty lists, with a warning for each', async (t) => {
  const f = fixtureTree(t);
  const { log, lines } = capturingLog();
  const sample = await new NodeMetricsSampler(log, { proc: f.proc, sys: f.sys }).sample();
  t.same(sample, {
    cpuSeconds: [],
    load1: 0,
    load5: 0,
    load15: 0,
    memoryTotalBytes: 0,
    memoryAvailableBytes: 0,
    filesystems: [],
    network: [],
    uptimeSeconds: 0,
    bootTimeSeconds: 0,
  });
  t.same(
    lines
      .filter((l) => l.level === WARN)
      .map((l) => l.metric)
      .sort(),
    ['cpu', 'filesystems', 'load', 'memory', 'network', 'uptime'],
  );
});

t.test('a throttle file that vanishes after it was found is warned about, not fatal', async (t) => {
  const f = piTree(t);
  const { log, lines } = capturingLog();
  const sampler = new NodeMetricsSampler(log, { proc: f.proc, sys: f.sys });
  t.ok((await sampler.sample()).throttle);
  f.remove('sys/devices/platform/soc/soc:firmware/get_throttled');
  const sample = await sampler.sample();
  t.notOk('throttle' in sample);
  t.same(lines.filter((l) => l.level === WARN).map((l) => l.metric), ['throttle']);
});

t.test('the default paths are the real /proc and /sys', async (t) => {
  const sample = await new NodeMetricsSampler(capturingLog().log).sample();
  t.ok(sample.cpuSeconds.length > 0, 'this Linux machine has CPUs');
  t.ok(sample.memoryTotalBytes > 0);
});
