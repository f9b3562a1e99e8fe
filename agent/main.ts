/**
 * `skiff agent`: the entry point bin/skiff.js calls with argv[0] === 'agent'. Parses the
 * configuration (exit 1 listing every problem), runs the agent until SIGTERM or SIGINT, then
 * stops it cleanly and exits 0. Only this file decides what goes to stdout/stderr for humans.
 *
 * Memory (the agent runs on 1 GB Pis): this file statically imports only light modules, so that
 * V8 flags can be set before pino, better-sqlite3, mqtt and the agent's own code are loaded.
 */
import { setFlagsFromString } from 'node:v8';
import { isSkiffError } from '../shared/errors.js';
import { AGENT_USAGE, parseAgentConfig, wantsHelp, type AgentConfig } from './config.js';

/**
 * V8 flags applied at start, overridable with SKIFF_AGENT_V8_FLAGS ("" for none). Without
 * TurboFan the agent's steady RSS drops by ~10-15 MB (measured with 10 pods: ~73 -> ~58 MB on
 * Node 20 x64): its optimising compiler's zone memory is what module loading mostly leaves
 * behind, and the agent is idle I/O glue that never needs optimised code.
 */
export const DEFAULT_V8_FLAGS = '--no-opt';

export async function main(argv: string[]): Promise<void> {
  const args = argv[0] === 'agent' ? argv.slice(1) : argv;
  if (wantsHelp(args)) {
    process.stdout.write(`${AGENT_USAGE}\n`);
    return;
  }
  let config: AgentConfig;
  try {
    config = parseAgentConfig(args, process.env);
  } catch (err) {
    if (!isSkiffError(err, 'SKIFF_ERR_CONFIG')) throw err;
    for (const problem of err.details) process.stderr.write(`skiff agent: ${problem.path}: ${problem.message}\n`);
    process.stderr.write('Run `skiff agent --help` for usage.\n');
    process.exitCode = 1;
    return;
  }

  const v8Flags = process.env.SKIFF_AGENT_V8_FLAGS ?? DEFAULT_V8_FLAGS;
  for (const flag of v8Flags.split(/\s+/).filter(Boolean)) setFlagsFromString(flag);
  const [{ createLogger }, { startAgent }] = await Promise.all([import('../shared/log.js'), import('./agent.js')]);

  const log = createLogger('agent', config.logLevel);
  let agent: Awaited<ReturnType<typeof startAgent>>;
  try {
    agent = await startAgent(config, log);
  } catch (err) {
    // A hub that fails the join token's CA pin: already logged (fatal, both hashes); no stack.
    if (!(err instanceof Error && err.name === 'HubTrustError')) throw err;
    process.stderr.write(`skiff agent: ${err.message}\n`);
    process.exitCode = 1;
    return;
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ signal }, 'stopping');
  await agent.stop();
  // Background work (a pull, a graceful stop) may still hold the event loop: the containers are
  // Docker's now, and the next start re-plans from what Docker shows.
  process.exit(0);
}
