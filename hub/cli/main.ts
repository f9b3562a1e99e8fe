/**
 * The `skiff` CLI (every subcommand but `agent`): builds the command tree, runs one command and
 * turns any failure into a kubectl-style message and exit code in one place.
 */
import { Command } from 'commander';
import { defineApply } from './commands/apply.js';
import { defineAuth } from './commands/auth.js';
import { defineAutoscale } from './commands/autoscale.js';
import { defineClusterInfo } from './commands/cluster-info.js';
import { defineCompletion } from './commands/completion.js';
import { defineConfig } from './commands/config.js';
import { defineCordon } from './commands/cordon.js';
import { defineCreate } from './commands/create.js';
import { defineDelete } from './commands/delete.js';
import { defineDescribe } from './commands/describe.js';
import { defineDrain } from './commands/drain.js';
import { defineGet } from './commands/get.js';
import { defineHub } from './commands/hub.js';
import { defineToken } from './commands/token.js';
import { defineLabel } from './commands/label.js';
import { defineRollout } from './commands/rollout.js';
import { defineScale } from './commands/scale.js';
import { defineSet } from './commands/set.js';
import { defineTaint } from './commands/taint.js';
import { defineTop } from './commands/top.js';
import { defineLogs } from './commands/logs.js';
import { defineExec } from './commands/exec.js';
import { definePortForward } from './commands/port-forward.js';
import { defineVersion } from './commands/version.js';
import { normalizeBoolFlags } from './bool-flags.js';
import type { ConnectionFlags } from './client-config-loader.js';
import { createContext, type CliContext } from './context.js';
import { processIO, type CliIO } from './io.js';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('skiff')
    .description('Skiff: a lightweight, Kubernetes-style orchestrator for edge fleets')
    .option('--config <file>', 'client config file (default $SKIFF_CONFIG, else ~/.skiff/config)')
    .option('--context <name>', 'the context of the client config to use (default $SKIFF_CONTEXT, else its current context)')
    .option('-s, --server <url>', "the hub's API URL (overrides the client config)")
    .option('--token <token>', 'bearer token (overrides the client config)')
    .option('--insecure-skip-tls-verify', "accept any certificate from the hub (its identity is not checked: tests and emergencies only)")
    // bin/skiff.js sends `skiff agent` to the agent's own entry point; say so here.
    .addHelpText('after', '\nOn each device: skiff agent --server URL --token JOIN_TOKEN (see skiff agent --help)')
    // Errors reach main's catch instead of commander calling process.exit itself.
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout(s),
      writeErr: (s) => ctx.io.stderr(s),
      // Usage errors are printed by describeError like every other failure, not by commander.
      outputError: () => {},
    });
  // Subcommands created with .command() inherit exitOverride and the output settings above.
  defineApply(program, ctx);
  defineCreate(program, ctx);
  defineGet(program, ctx);
  defineDescribe(program, ctx);
  defineDelete(program, ctx);
  defineScale(program, ctx);
  defineAutoscale(program, ctx);
  defineSet(program, ctx);
  defineRollout(program, ctx);
  defineLabel(program, ctx);
  defineTaint(program, ctx);
  defineCordon(program, ctx);
  defineDrain(program, ctx);
  defineTop(program, ctx);
  defineLogs(program, ctx);
  defineExec(program, ctx);
  definePortForward(program, ctx);
  defineClusterInfo(program, ctx);
  defineAuth(program, ctx);
  defineConfig(program, ctx);
  defineVersion(program, ctx);
  defineHub(program, ctx);
  defineToken(program, ctx);
  defineCompletion(program, ctx);
  return program;
}

/** Runs one command line (argv without node and script) and returns its exit code. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  let program: Command | undefined;
  const ctx = createContext(io, async () => {
    // Imported on first use: the config loader brings yaml and zod, which commands that never
    // reach a hub (help, version --client, completion) should not load.
    const [{ loadConnection }, { HubClient }] = await Promise.all([import('./client-config-loader.js'), import('./hub-client.js')]);
    const connection = await loadConnection(program!.opts<ConnectionFlags>(), io.env, io.homedir);
    return HubClient.connect(connection);
  });
  program = buildProgram(ctx);
  try {
    await program.parseAsync(normalizeBoolFlags(argv), { from: 'user' });
  } catch (err) {
    ctx.report(err);
  }
  return ctx.exitCode;
}

/** bin/skiff.js calls this with process.argv.slice(2). */
export async function main(argv: string[], io: CliIO = processIO()): Promise<void> {
  process.exitCode = await run(argv, io);
}
