/**
 * A second, private Docker engine for the chaos suite: a real dockerd with its own socket, data
 * root, exec root (and so its own managed containerd) and its own bridge, so a scenario can stop
 * and restart the ENGINE itself — every container on it stops, as after a device reboot — without
 * touching the machine's main engine, where other tests run their Pods at the same time.
 *
 * Its bridge (skiffd<N>, 10.233.N.1/24, N free when it starts) is the only host interface it
 * adds; it runs with --iptables=false and --ip-masq=false, so it changes no firewall rule (its
 * containers have addresses on that bridge and no way out, which these scenarios do not need).
 * The images a scenario needs are copied from the main engine (`docker save | docker load`: the
 * test images are a few MB). Everything is removed in teardown, even when the test fails.
 */
import { execFile, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface TapLike {
  teardown(fn: () => unknown): void;
}

function run(file: string, args: string[], options: { timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: stdout.toString(), stderr: stderr.toString() });
    });
  });
}

async function must(file: string, args: string[]): Promise<string> {
  const result = await run(file, args);
  if (result.code !== 0) throw new Error(`${file} ${args.join(' ')} failed (${result.code}): ${result.stderr.trim()}`);
  return result.stdout;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class SecondEngine {
  /** DOCKER_HOST for the agent and `docker -H` for the test. */
  readonly host: string;
  private readonly bridge: string;

  private constructor(
    private readonly dir: string,
    private readonly index: number,
  ) {
    this.host = `unix://${join(dir, 'docker.sock')}`;
    this.bridge = `skiffd${index}`;
  }

  /** Starts a private engine and copies `images` into it from the main one. */
  static async start(t: TapLike, images: readonly string[]): Promise<SecondEngine> {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-engine-'));
    // Two test files may each run an engine at once: the bridge is claimed by creating it (the
    // kernel refuses a name taken, by them or by a run that was killed before its teardown).
    let engine: SecondEngine | undefined;
    for (let attempt = 0; attempt < 50 && !engine; attempt++) {
      const candidate = new SecondEngine(dir, randomInt(250));
      if ((await run('ip', ['link', 'add', candidate.bridge, 'type', 'bridge'])).code === 0) engine = candidate;
    }
    if (!engine) throw new Error('no free skiffd<N> bridge name for a second engine');
    t.teardown(() => engine.destroy());
    await must('ip', ['addr', 'add', `10.233.${engine.index}.1/24`, 'dev', engine.bridge]);
    await must('ip', ['link', 'set', engine.bridge, 'up']);
    await engine.startDaemon();
    const saved = join(engine.dir, 'images.tar');
    await must('docker', ['save', '-o', saved, ...images]);
    await must('docker', ['-H', engine.host, 'load', '-i', saved]);
    return engine;
  }

  /** `docker -H <this engine> ARGS`. */
  docker(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return run('docker', ['-H', this.host, ...args]);
  }

  /** Stops the engine as a reboot does (SIGTERM: every container is stopped) and waits until it is gone. */
  async stop(): Promise<void> {
    const pid = this.pid();
    if (pid === undefined) return;
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 120 && this.alive(pid); i++) await sleep(250);
    if (this.alive(pid)) process.kill(pid, 'SIGKILL');
  }

  async startDaemon(): Promise<void> {
    mkdirSync(join(this.dir, 'data'), { recursive: true });
    mkdirSync(join(this.dir, 'exec'), { recursive: true });
    const daemon = spawn(
      'dockerd',
      [
        '--host', this.host,
        '--data-root', join(this.dir, 'data'),
        '--exec-root', join(this.dir, 'exec'),
        '--pidfile', join(this.dir, 'docker.pid'),
        '--bridge', this.bridge,
        '--iptables=false',
        '--ip-masq=false',
      ],
      { stdio: 'ignore', detached: true },
    );
    daemon.unref();
    for (let i = 0; i < 120; i++) {
      if ((await this.docker(['info', '--format', '{{.ServerVersion}}'])).code === 0) return;
      await sleep(250);
    }
    throw new Error(`the second dockerd did not answer on ${this.host}`);
  }

  private pid(): number | undefined {
    try {
      return Number(readFileSync(join(this.dir, 'docker.pid'), 'utf8').trim()) || undefined;
    } catch {
      return undefined; // not running: no pid file
    }
  }

  private alive(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  private async destroy(): Promise<void> {
    if (this.pid() !== undefined) {
      const ids = (await this.docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (ids.length > 0) await this.docker(['rm', '-f', ...ids]);
      await this.stop();
    }
    await run('ip', ['link', 'del', this.bridge]);
    // The engine's overlay mounts are gone with the engine; what is left is plain files.
    rmSync(this.dir, { recursive: true, force: true });
  }
}
