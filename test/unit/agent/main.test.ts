import t from 'tap';
import { main } from '../../../agent/main.js';

/** Runs main() capturing what it writes, and the exit code it sets. */
async function run(argv: string[]): Promise<{ stdout: string; stderr: string; exitCode: typeof process.exitCode }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = { stdout: process.stdout.write, stderr: process.stderr.write };
  process.stdout.write = ((chunk: string) => Boolean(out.push(chunk))) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => Boolean(err.push(chunk))) as typeof process.stderr.write;
  const before = process.exitCode;
  try {
    await main(argv);
    return { stdout: out.join(''), stderr: err.join(''), exitCode: process.exitCode };
  } finally {
    process.stdout.write = write.stdout;
    process.stderr.write = write.stderr;
    process.exitCode = before;
  }
}

t.test('bad flags: every problem on stderr, naming its flag, and exit code 1', async (t) => {
  const { stderr, exitCode } = await run(['agent', '--server', 'nope', '--node-name', 'UPPER', '--frobnicate']);
  t.equal(exitCode, 1);
  t.match(stderr, /^skiff agent: --frobnicate: unknown flag$/m);
  t.match(stderr, /^skiff agent: --server: "nope" is not a URL$/m);
  t.match(stderr, /^skiff agent: --token: is required \(or set SKIFF_TOKEN\)$/m);
  t.match(stderr, /^skiff agent: --node-name: "UPPER" must be/m);
  t.match(stderr, /skiff agent --help/);
});

t.test('--help prints usage and exits 0', async (t) => {
  const { stdout, exitCode } = await run(['agent', '--help']);
  t.match(stdout, /^Usage: skiff agent --server URL --token TOKEN --node-name NAME --data-dir DIR/);
  t.notOk(exitCode);
});
