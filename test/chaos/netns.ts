/**
 * A network namespace joined to the host by one veth pair, for the chaos suite: an agent (or a
 * registry) runs inside it and its only way out is the veth, so the test can cut the link, restore
 * it, and drop packets on it. Addresses live only on the two veth ends (10.231.X.Y/30, host side
 * .1, namespace side .2); no other interface, route or firewall rule of the host is touched.
 *
 * Packet loss uses `tc netem` when the kernel has it; this machine's kernel is built without
 * sch_netem, so the fallback is an nftables table INSIDE the namespace that drops a random
 * `percent` of packets in each direction (`numgen random mod 100 < P drop`). Either way the loss is
 * on the veth path only. veth offloads segments (GSO), so one dropped "packet" may be up to 64 KB
 * on the wire: TCP sees it as a burst loss, which is harsher than per-MTU loss, not gentler.
 *
 * Processes are put in the namespace with `nsenter --net`, which enters the NETWORK namespace only.
 * Not `ip netns exec`: that also gives the process a private copy of the host's mount table (to
 * remount /sys), and with it every overlay mount a Docker engine had at that moment; a copy that
 * outlives the container makes the engine's later removal of it fail with EBUSY. A private engine
 * (second-engine.ts) started beside a namespaced process hit exactly that.
 *
 * What a process in the namespace still shares with the host: Docker's unix socket, every file and
 * every mount (its /sys still shows the host's interfaces, which no agent code relies on for the link). What it does not reach:
 * anything on the host but the host end's address, so no Pod IP on docker0 (an agent in here
 * cannot run httpGet/tcpSocket probes against its Pods; exec probes go through Docker and work).
 *
 * Everything is removed in teardown, even when the test fails; namespaces left by a test process
 * that was killed before its teardown (their name carries its pid) are swept on the next create.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';

const NAME_PREFIX = 'skiff-chaos-';
/** 10.231.0.0/16: 16384 /30 links; a clash with a parallel run is checked, not assumed away. */
const SUBNET_PREFIX = '10.231';

interface TapLike {
  teardown(fn: () => unknown): void;
  comment(...message: unknown[]): void;
}

interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

function command(file: string, args: string[], input?: string): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: stdout.toString(), stderr: stderr.toString() });
    });
    child.stdin?.end(input);
  });
}

/** Runs a command that must succeed: a failed namespace set-up is a broken test, not a result. */
async function must(file: string, args: string[], input?: string): Promise<string> {
  const result = await command(file, args, input);
  if (result.code !== 0) throw new Error(`${file} ${args.join(' ')} failed (${result.code}): ${result.stderr.trim()}`);
  return result.stdout;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes chaos namespaces whose creating test process is gone (it was killed before its teardown). */
async function sweepOrphans(t: TapLike): Promise<void> {
  const names = (await must('ip', ['netns', 'list'])).split('\n').map((line) => line.split(' ')[0] ?? '');
  for (const name of names.filter((n) => n.startsWith(NAME_PREFIX))) {
    const pid = Number(name.slice(NAME_PREFIX.length).split('-')[0]);
    if (!Number.isInteger(pid) || processAlive(pid)) continue;
    const removed = await command('ip', ['netns', 'del', name]);
    t.comment(`removed orphaned namespace ${name}${removed.code === 0 ? '' : `: ${removed.stderr.trim()}`}`);
  }
}

async function freeSubnet(): Promise<string> {
  const inUse = await must('ip', ['-4', '-o', 'addr', 'show']);
  for (;;) {
    const candidate = `${SUBNET_PREFIX}.${randomInt(256)}.${randomInt(64) * 4}`;
    const base = candidate.slice(0, candidate.lastIndexOf('.') + 1);
    const last = Number(candidate.slice(base.length));
    if (!inUse.includes(` ${base}${last + 1}/`) && !inUse.includes(` ${base}${last + 2}/`)) return candidate;
  }
}

/** The sum of the packet counters in an `nft list` output. */
function counted(listing: string): number {
  return [...listing.matchAll(/counter packets (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
}

export class NetnsLink {
  /** Whether packet loss is applied with tc netem (else with nftables inside the namespace). */
  private lossBy: 'netem' | 'nftables' | undefined;

  private constructor(
    /** The namespace's name (`ip netns exec NAME ...` reaches it too, from a shell). */
    readonly name: string,
    /** The veth end on the host (root namespace). */
    readonly hostInterface: string,
    /** The veth end inside the namespace. */
    readonly namespaceInterface: string,
    /** The host side's address: what the namespace reaches the host (the hub) at. */
    readonly hostIp: string,
    /** The namespace side's address: what the host reaches the namespace at. */
    readonly namespaceIp: string,
  ) {}

  /** Creates the namespace and its link, up; removed in `t`'s teardown. */
  static async create(t: TapLike): Promise<NetnsLink> {
    await sweepOrphans(t);
    const id = randomBytes(3).toString('hex');
    const subnet = await freeSubnet();
    const base = subnet.slice(0, subnet.lastIndexOf('.') + 1);
    const last = Number(subnet.slice(base.length));
    // Interface names are at most 15 characters.
    const link = new NetnsLink(`${NAME_PREFIX}${process.pid}-${id}`, `skc${id}h`, `skc${id}n`, `${base}${last + 1}`, `${base}${last + 2}`);
    t.teardown(() => link.destroy(t));
    await must('ip', ['netns', 'add', link.name]);
    await must('ip', ['link', 'add', link.hostInterface, 'type', 'veth', 'peer', 'name', link.namespaceInterface]);
    await must('ip', ['link', 'set', link.namespaceInterface, 'netns', link.name]);
    await must('ip', ['addr', 'add', `${link.hostIp}/30`, 'dev', link.hostInterface]);
    await must('ip', ['link', 'set', link.hostInterface, 'up']);
    await link.exec(['ip', 'addr', 'add', `${link.namespaceIp}/30`, 'dev', link.namespaceInterface]);
    await link.exec(['ip', 'link', 'set', link.namespaceInterface, 'up']);
    await link.exec(['ip', 'link', 'set', 'lo', 'up']);
    return link;
  }

  /** The prefix that runs a command inside the namespace. */
  get wrap(): string[] {
    return ['nsenter', `--net=/run/netns/${this.name}`];
  }

  /** Runs a command inside the namespace; it must succeed. */
  exec(args: string[], input?: string): Promise<string> {
    return must(this.wrap[0]!, [...this.wrap.slice(1), ...args], input);
  }

  /**
   * Cuts the link: every packet on the namespace's veth is dropped, both ways, silently, as when
   * an edge site's uplink fails upstream (open connections hang until keepalive gives up). Not
   * `ip link set down`: the host end down takes the host's own address off its local routes (the
   * test could no longer reach the hub), and the namespace end down flushes the namespace's routes.
   */
  async cut(): Promise<void> {
    await this.exec(
      ['nft', '-f', '-'],
      [
        'table inet skiff_chaos_cut {',
        `  chain cut_in { type filter hook input priority -10; iifname "${this.namespaceInterface}" counter drop; }`,
        `  chain cut_out { type filter hook output priority -10; oifname "${this.namespaceInterface}" counter drop; }`,
        '}',
      ].join('\n'),
    );
  }

  /** Ends a cut(): packets pass again. */
  async restore(): Promise<void> {
    await this.exec(['nft', 'delete', 'table', 'inet', 'skiff_chaos_cut']);
  }

  /** How many packets a cut has dropped so far (an agent that tried to reach the hub). */
  async packetsDroppedByCut(): Promise<number> {
    return counted(await this.exec(['nft', 'list', 'table', 'inet', 'skiff_chaos_cut']));
  }

  /** Drops `percent` of the packets crossing the link, in each direction. */
  async addLoss(percent: number): Promise<void> {
    if (!Number.isInteger(percent) || percent < 1 || percent > 100) throw new Error(`loss must be 1..100 %, got ${percent}`);
    const netem = await command(this.wrap[0]!, [...this.wrap.slice(1), 'tc', 'qdisc', 'add', 'dev', this.namespaceInterface, 'root', 'netem', 'loss', `${percent}%`]);
    if (netem.code === 0) {
      this.lossBy = 'netem';
      await must('tc', ['qdisc', 'add', 'dev', this.hostInterface, 'root', 'netem', 'loss', `${percent}%`]);
      return;
    }
    if (!netem.stderr.includes('Specified qdisc kind is unknown')) throw new Error(`tc netem failed: ${netem.stderr.trim()}`);
    this.lossBy = 'nftables';
    await this.exec(
      ['nft', '-f', '-'],
      [
        'table inet skiff_chaos {',
        `  chain lossy_in { type filter hook input priority 0; numgen random mod 100 < ${percent} counter drop; }`,
        `  chain lossy_out { type filter hook output priority 0; numgen random mod 100 < ${percent} counter drop; }`,
        '}',
      ].join('\n'),
    );
  }

  async clearLoss(): Promise<void> {
    if (this.lossBy === 'netem') {
      await this.exec(['tc', 'qdisc', 'del', 'dev', this.namespaceInterface, 'root']);
      await must('tc', ['qdisc', 'del', 'dev', this.hostInterface, 'root']);
    } else if (this.lossBy === 'nftables') {
      await this.exec(['nft', 'delete', 'table', 'inet', 'skiff_chaos']);
    }
    this.lossBy = undefined;
  }

  /** How many packets the loss has dropped so far (proof that the chaos happened). */
  async droppedPackets(): Promise<number> {
    if (this.lossBy === 'nftables') {
      return counted(await this.exec(['nft', 'list', 'table', 'inet', 'skiff_chaos']));
    }
    if (this.lossBy === 'netem') {
      const stats = (await this.exec(['tc', '-s', 'qdisc', 'show', 'dev', this.namespaceInterface])) + (await must('tc', ['-s', 'qdisc', 'show', 'dev', this.hostInterface]));
      return [...stats.matchAll(/dropped (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    }
    return 0;
  }

  /**
   * Removes the link and the namespace. The host end is deleted explicitly: a namespace still
   * holding a process (an agent not yet killed) outlives `ip netns del`, and so would its veth.
   */
  async destroy(t: TapLike): Promise<void> {
    for (const args of [
      ['link', 'del', this.hostInterface],
      ['netns', 'del', this.name],
    ]) {
      const result = await command('ip', args);
      if (result.code !== 0 && !/Cannot find device|No such file or directory/.test(result.stderr)) {
        t.comment(`chaos teardown: ip ${args.join(' ')} failed: ${result.stderr.trim()}`);
      }
    }
  }
}
