/**
 * The parsers of /proc and /sys text the node sampler reads (agent/metrics/proc-parsers.ts), on
 * text as real kernels write it: numbers in node_exporter's units, lines it does not understand
 * skipped, and node_exporter's ignored filesystems left out.
 */
import t from 'tap';
import {
  filesystemSample,
  parseBootTime,
  parseLoadavg,
  parseMillidegrees,
  parseMounts,
  parseNetDev,
  parseProcStat,
  parseThrottled,
  parseUptime,
} from '../../../agent/metrics/proc-parsers.js';

const PROC_STAT = [
  'cpu  4705 356 584 3699 23 23 0 0 0 0',
  'cpu0 1393 280 165 1832 11 11 0 0 0 0',
  'cpu1 3312 76 419 1867 12 12 0 7 0 0',
  'intr 114930548 113199788 3 0 5 263 0 4 [... lots more numbers ...]',
  'ctxt 1990473',
  'btime 1062191376',
  'processes 2915',
  'procs_running 1',
  '',
].join('\n');

t.test('/proc/stat: per-CPU seconds by mode in USER_HZ (1/100 s); the summary line is not a CPU', async (t) => {
  t.same(parseProcStat(PROC_STAT), [
    { user: 13.93, nice: 2.8, system: 1.65, idle: 18.32, iowait: 0.11, irq: 0.11, softirq: 0, steal: 0 },
    { user: 33.12, nice: 0.76, system: 4.19, idle: 18.67, iowait: 0.12, irq: 0.12, softirq: 0, steal: 0.07 },
  ]);
});

t.test('/proc/stat: an old kernel with fewer columns gives only the modes it has', async (t) => {
  t.same(parseProcStat('cpu 1 2 3 4\ncpu0 100 200 300 400\n'), [{ user: 1, nice: 2, system: 3, idle: 4 }]);
});

t.test('/proc/stat: a CPU missing from the list (offline) keeps its index with no modes', async (t) => {
  t.same(parseProcStat('cpu0 100 0 0 0\ncpu2 200 0 0 0\n'), [{ user: 1, nice: 0, system: 0, idle: 0 }, {}, { user: 2, nice: 0, system: 0, idle: 0 }]);
});

t.test('/proc/stat: a column that is not a number is left out', async (t) => {
  t.same(parseProcStat('cpu0 100 x 300\n'), [{ user: 1, system: 3 }]);
  t.same(parseProcStat(''), []);
});

t.test('boot time from the btime line', async (t) => {
  t.equal(parseBootTime(PROC_STAT), 1062191376);
  t.equal(parseBootTime('cpu0 1 2 3\n'), undefined);
});

t.test('/proc/loadavg', async (t) => {
  t.same(parseLoadavg('0.20 0.18 0.12 1/80 11206\n'), { load1: 0.2, load5: 0.18, load15: 0.12 });
  t.equal(parseLoadavg('0.20 0.18\n'), undefined, 'too few fields');
  t.equal(parseLoadavg('a b c'), undefined, 'not numbers');
  t.equal(parseLoadavg(''), undefined);
});

t.test('/proc/uptime: the first field, seconds', async (t) => {
  t.equal(parseUptime('350735.47 234388.90\n'), 350735.47);
  t.equal(parseUptime('soon\n'), undefined);
});

const NET_DEV = [
  'Inter-|   Receive                                                |  Transmit',
  ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
  '    lo: 1234567    1000    0    0    0     0          0         0  1234567    1000    0    0    0     0       0          0',
  '  eth0: 98765432   54321    0    1    0     0          0        12 12345678   43210    0    0    0     0       0          0',
  'wlan0:100 1 0 0 0 0 0 0 200 2 0 0 0 0 0 0',
  'veth1a2b3c: 5 1 0 0 0 0 0 0 6 1 0 0 0 0 0 0',
  'short: 1 2 3',
  'no colon here',
  '',
].join('\n');

t.test('/proc/net/dev: receive and transmit bytes per interface, loopback, containers’ veths and malformed lines left out', async (t) => {
  t.same(parseNetDev(NET_DEV), [
    { device: 'eth0', receiveBytes: 98765432, transmitBytes: 12345678 },
    { device: 'wlan0', receiveBytes: 100, transmitBytes: 200 },
  ]);
});

t.test('/proc/net/dev: the two header lines are never read as interfaces', async (t) => {
  t.same(parseNetDev('eth9: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\nface: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n'), []);
});

t.test('/proc/mounts: real filesystems kept, node_exporter ignored types and mount points left out', async (t) => {
  const mounts = [
    '/dev/mmcblk0p2 / ext4 rw,noatime 0 0',
    'proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0',
    'sysfs /sys sysfs rw 0 0',
    'devtmpfs /dev devtmpfs rw 0 0',
    'cgroup2 /sys/fs/cgroup cgroup2 rw 0 0',
    'overlay /var/lib/docker/overlay2/abc/merged overlay rw 0 0',
    '/dev/mmcblk0p2 /var/lib/docker/volumes ext4 rw 0 0',
    '/dev/mmcblk0p1 /boot/firmware vfat rw 0 0',
    'tmpfs /run tmpfs rw 0 0',
    'tmpfs /run/user/1000 tmpfs rw 0 0',
    'tmpfs /run/credentials/systemd-sysctl.service tmpfs ro 0 0',
    '/dev/sda1 /var/lib/containers/storage/overlay ext4 rw 0 0',
    'squashfs /snap/core/1 squashfs ro 0 0',
    '/dev/sdb1 /devices ext4 rw 0 0',
    '/dev/sdc1 /sysdata ext4 rw 0 0',
    '',
    'garbage',
  ].join('\n');
  t.same(parseMounts(mounts), [
    { device: '/dev/mmcblk0p2', mountpoint: '/', fstype: 'ext4' },
    { device: '/dev/mmcblk0p1', mountpoint: '/boot/firmware', fstype: 'vfat' },
    { device: 'tmpfs', mountpoint: '/run', fstype: 'tmpfs' },
    { device: 'tmpfs', mountpoint: '/run/user/1000', fstype: 'tmpfs' },
    { device: '/dev/sdb1', mountpoint: '/devices', fstype: 'ext4' },
    { device: '/dev/sdc1', mountpoint: '/sysdata', fstype: 'ext4' },
  ]);
});

t.test('/proc/mounts: one entry per device, the first mount point wins; every tmpfs counts on its own', async (t) => {
  const mounts = '/dev/sda1 /data ext4 rw 0 0\n/dev/sda1 /mnt/bind ext4 rw 0 0\ntmpfs /tmp tmpfs rw 0 0\ntmpfs /tmp tmpfs rw 0 0\n';
  t.same(parseMounts(mounts), [
    { device: '/dev/sda1', mountpoint: '/data', fstype: 'ext4' },
    { device: 'tmpfs', mountpoint: '/tmp', fstype: 'tmpfs' },
  ]);
});

t.test('/proc/mounts: octal escapes of space, tab, newline and backslash are decoded', async (t) => {
  t.same(parseMounts('/dev/sdb1 /media/usb\\040stick ext4 rw 0 0\n/dev/sdc1 /mnt/a\\011b\\134c\\012d vfat rw 0 0\n'), [
    { device: '/dev/sdb1', mountpoint: '/media/usb stick', fstype: 'ext4' },
    { device: '/dev/sdc1', mountpoint: '/mnt/a\tb\\c\nd', fstype: 'vfat' },
  ]);
});

t.test('/proc/mounts: a disk mounted at /var/lib/docker itself is the node\'s own and kept; what Docker mounts under it is not', async (t) => {
  t.same(parseMounts('/dev/sdb1 /var/lib/docker ext4 rw 0 0\nshm /var/lib/docker/containers/abc/mounts/shm tmpfs rw 0 0\n'), [
    { device: '/dev/sdb1', mountpoint: '/var/lib/docker', fstype: 'ext4' },
  ]);
});

t.test('/proc/mounts: the ignore rules apply to the decoded mount point', async (t) => {
  t.same(parseMounts('/dev/sdb1 /var/lib/docker/with\\040space ext4 rw 0 0\n'), []);
});

t.test('statfs numbers become bytes: size from blocks, free from bfree, available from bavail', async (t) => {
  const mount = { device: '/dev/sda1', mountpoint: '/', fstype: 'ext4' };
  t.same(filesystemSample(mount, { bsize: 4096, blocks: 1000, bfree: 300, bavail: 250 }), {
    device: '/dev/sda1',
    mountpoint: '/',
    fstype: 'ext4',
    sizeBytes: 4_096_000,
    freeBytes: 1_228_800,
    availBytes: 1_024_000,
  });
});

t.test('thermal zone temp: millidegrees Celsius', async (t) => {
  t.equal(parseMillidegrees('48312\n'), 48.312);
  t.equal(parseMillidegrees('-5000'), -5, 'below zero outdoors');
  t.equal(parseMillidegrees(''), undefined);
  t.equal(parseMillidegrees('  \n'), undefined, 'blank is not 0 degrees');
  t.equal(parseMillidegrees('hot'), undefined);
});

t.test('get_throttled: nothing set', async (t) => {
  t.same(parseThrottled('0\n'), {
    underVoltage: false,
    frequencyCapped: false,
    throttled: false,
    softTemperatureLimit: false,
    underVoltageOccurred: false,
    frequencyCappedOccurred: false,
    throttledOccurred: false,
    softTemperatureLimitOccurred: false,
  });
});

t.test('get_throttled: each bit maps to its own flag (vcgencmd get_throttled)', async (t) => {
  const cases: Array<[string, keyof NonNullable<ReturnType<typeof parseThrottled>>]> = [
    ['1', 'underVoltage'],
    ['2', 'frequencyCapped'],
    ['4', 'throttled'],
    ['8', 'softTemperatureLimit'],
    ['10000', 'underVoltageOccurred'],
    ['20000', 'frequencyCappedOccurred'],
    ['40000', 'throttledOccurred'],
    ['80000', 'softTemperatureLimitOccurred'],
  ];
  for (const [hex, flag] of cases) {
    const flags = parseThrottled(hex)!;
    t.same(
      Object.entries(flags).filter(([, on]) => on).map(([name]) => name),
      [flag],
      `0x${hex} sets only ${flag}`,
    );
  }
});

t.test('get_throttled: the common under-voltage word 0x50005 and a 0x prefix', async (t) => {
  t.same(parseThrottled('0x50005'), {
    underVoltage: true,
    frequencyCapped: false,
    throttled: true,
    softTemperatureLimit: false,
    underVoltageOccurred: true,
    frequencyCappedOccurred: false,
    throttledOccurred: true,
    softTemperatureLimitOccurred: false,
  });
  t.equal(parseThrottled(''), undefined);
  t.equal(parseThrottled('zz'), undefined);
});
