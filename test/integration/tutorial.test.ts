/**
 * docs/tutorial.md, run command by command as a reader runs it (issue #9): the hub and the agent
 * it starts, every `$ ` command in order in bash with `skiff` on PATH (this checkout's
 * bin/skiff.js) and the tutorial's working directory (the checkout), each output compared with
 * the one the tutorial shows after test/helpers/tutorial.ts's normalisation (names, ages, IPs,
 * ids, dates, measured usage). The first difference fails the test, naming the step and the
 * command: later steps build on it.
 *
 * What the reader does not see: HOME is a temp dir (the tutorial keeps its state in
 * ~/skiff-tutorial), the hub takes free ports through $SKIFF_API_PORT / $SKIFF_MQTT_PORT (the
 * tutorial's :7443 in a command becomes that port, and back in the output), and the agent keeps
 * Secret volumes in a private tmpfs dir ($SKIFF_SECRETS_DIR).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { docker, SKIFF_BIN } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { repoRoot } from '../helpers/repo.js';
import { commandForRun, normaliseOutput, parseTutorial, readLog, TutorialShell, type ShellResult, type TutorialCommand } from '../helpers/tutorial.js';
import { waitFor } from '../helpers/wait.js';

const TUTORIAL = 'docs/tutorial.md';
/** The node the tutorial's agent joins as: its containers are removed at the end whatever happens. */
const NODE = 'pi-1';
/** How long a `retry` command may take to print what the tutorial shows (metrics arrive every 10 s, the HPA syncs every 15 s). */
const RETRY_DEADLINE_MS = 60_000;

t.test('docs/tutorial.md works as written, command by command', async (t) => {
  const root = repoRoot();
  const steps = parseTutorial(readFileSync(join(root, TUTORIAL), 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'skiff-tutorial-'));
  const secretsDir = mkdtempSync('/dev/shm/skiff-it-secrets-');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'skiff'), `#!/bin/sh\nexec '${process.execPath}' '${SKIFF_BIN}' "$@"\n`, { mode: 0o755 });
  const apiPort = await freePort();
  const mqttPort = await freePort();
  const ports = new Map([[apiPort, 7443], [mqttPort, 1883]]);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: join(dir, 'home'),
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    SKIFF_API_PORT: String(apiPort),
    SKIFF_MQTT_PORT: String(mqttPort),
    SKIFF_SECRETS_DIR: secretsDir,
    NO_COLOR: '1',
  };
  for (const name of ['SKIFF_CONFIG', 'SKIFF_CONTEXT', 'SKIFF_SERVER', 'SKIFF_TOKEN', 'SKIFF_DATA_DIR', 'SKIFF_NODE_NAME', 'SKIFF_LOG_LEVEL']) delete env[name];
  mkdirSync(env.HOME!);
  const shell = new TutorialShell({ cwd: root, env, stateFile: join(dir, 'shell-state') });
  const logs: string[] = [];
  t.teardown(async () => {
    await shell.stopAll();
    const ids = (await docker(['ps', '-aq', '--filter', `label=skiff.node=${NODE}`])).stdout.split('\n').filter(Boolean);
    if (ids.length > 0) await docker(['rm', '-f', '-v', ...ids]);
    if (!t.passing()) for (const log of logs) t.comment(`--- last lines of ${log} ---\n${readLog(log).split('\n').slice(-40).join('\n')}`);
    rmSync(dir, { recursive: true, force: true });
    rmSync(secretsDir, { recursive: true, force: true });
  });

  const where = (step: TutorialCommand): string => `${TUTORIAL}:${step.line}, "${step.section}": $ ${step.command}`;

  /** Runs one step as the tutorial says; false when it failed (reported), and later steps build on it. */
  const runStep = async (step: TutorialCommand): Promise<boolean> => {
    const command = commandForRun(step.command, ports);
    if (step.marker?.kind === 'background') {
      const log = join(dir, `background-${logs.length + 1}.log`);
      logs.push(log);
      const child = shell.startBackground(command, log);
      const { until } = step.marker;
      return waitFor(`"${until}" from ${where(step)}`, () => {
        if (child.exitCode !== null) throw new Error(`it exited with ${child.exitCode}: ${readLog(log).slice(-2000)}`);
        return readLog(log).includes(until);
      }).then(
        () => t.pass(where(step)),
        (err: unknown) => t.fail(String(err)),
      );
    }
    const expected = normaliseOutput(step.command, step.expected);
    const run = (): Promise<ShellResult> => shell.run(command);
    let result = await run();
    if (step.marker?.kind === 'retry') {
      // The tutorial says the reader may have to wait and run it again: so does the test.
      const deadline = Date.now() + RETRY_DEADLINE_MS;
      while ((result.code !== 0 || normaliseOutput(step.command, result.output, ports) !== expected) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        result = await run();
      }
    }
    return (
      t.equal(result.code, 0, `${where(step)} exits with 0`, { output: result.output }) &&
      t.equal(normaliseOutput(step.command, result.output, ports), expected, where(step))
    );
  };

  const took: Array<[number, string]> = [];
  for (const step of steps) {
    const started = Date.now();
    const ok = await runStep(step);
    took.push([Date.now() - started, step.command.split('\n')[0]!]);
    if (!ok) break;
  }
  const slowest = took.sort((a, b) => b[0] - a[0]).slice(0, 6);
  t.comment(`measured: ${took.length} steps; the slowest: ${slowest.map(([ms, c]) => `${ms} ms for $ ${c}`).join('; ')}`);
});
