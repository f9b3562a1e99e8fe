/**
 * docs/cli.md is generated from the command definitions (hub/cli/reference.ts): it must be what
 * the generator writes now, so a new command, flag or example cannot leave the reference behind.
 * The output must not depend on the terminal (width, colour), and its pieces (anchors, escaping)
 * must hold for the names and texts the commands really use.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import t from 'tap';
import { CLI_REFERENCE_PATH, cliReference, code, commandPath, escapeMarkdown, headingAnchor, helpOnlyContext, renderCliReference } from '../../../hub/cli/reference.js';
import { repoRoot } from '../../helpers/repo.js';

const generated = cliReference();

t.test('docs/cli.md is the reference the command definitions generate now', async (t) => {
  const onDisk = readFileSync(join(repoRoot(), CLI_REFERENCE_PATH), 'utf8');
  t.equal(onDisk, generated, `${CLI_REFERENCE_PATH} is stale: run npm run docs:cli`);
});

t.test('it lists every command and subcommand with its usage, options, defaults and examples', async (t) => {
  for (const heading of ['## skiff apply', '## skiff get', '### skiff rollout status', '### skiff hub backup', '#### skiff create secret generic', '## skiff token', '## skiff logs']) {
    t.match(generated, new RegExp(`^${heading}$`, 'm'), heading);
  }
  t.match(generated, /^skiff rollout status \[options\] \[args\.\.\.\]$/m, 'usage with the parents named');
  t.match(generated, /^- `--replicas <count>`: /m, 'an option of skiff scale');
  t.match(generated, /^- `-f, --filename <path>`: .*\(default: \\\[\\\]\)$/m, 'a default value as --help shows it (escaped)');
  t.match(generated, /^Aliases: `cm`$/m, 'an alias');
  t.match(generated, /^ {2}skiff scale deployment\/web --replicas=3$/m, 'an example from addHelpText');
  t.match(generated, /^- `--insecure-skip-tls-verify`: /m, 'global options');
  t.notMatch(generated, /^ {2}help \[command\]/m, "commander's implicit help command is not a command of Skiff");
  t.notMatch(generated, /\n{3}/, 'no run of blank lines');
});

t.test('every command of the tree has a section, and every link in the index has its heading', async (t) => {
  const headings = new Set([...generated.matchAll(/^#{2,6} (skiff.*)$/gm)].map((m) => headingAnchor(m[1]!)));
  const links = [...generated.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
  t.ok(links.length > 40, `${links.length} links`);
  for (const anchor of links) t.ok(headings.has(anchor), `#${anchor} has a heading`);
});

t.test('the output does not depend on the terminal', async (t) => {
  const columns = process.stdout.columns;
  const env = { NO_COLOR: process.env.NO_COLOR, FORCE_COLOR: process.env.FORCE_COLOR };
  t.teardown(() => {
    process.stdout.columns = columns;
    for (const [key, value] of Object.entries(env)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
  process.stdout.columns = 30;
  process.env.FORCE_COLOR = '1';
  delete process.env.NO_COLOR;
  t.equal(cliReference(), generated, 'a narrow colour terminal changes nothing');
});

t.test('renderCliReference on a small tree', async (t) => {
  const program = new Command('tool').option('--verbose', 'say more');
  const sub = program.command('run').description('Run *.sh files for <you>').argument('<script>', 'the script').option('-n, --times <n>', 'how often', '1');
  sub.addHelpText('before', 'Careful.');
  sub.addHelpText('after', '\nExamples:\n  tool run a.sh\n');
  sub.command('twice').alias('2').description('Run it twice');
  program.command('bare');
  const text = renderCliReference(program);
  t.match(text, /^- \[`tool run`\]\(#tool-run\): Run \\\*\.sh files for \\<you\\>$/m);
  t.match(text, /^```\ntool run \[options\] \[command\] <script>\n```$/m);
  t.match(text, /^```text\nCareful\.\n```$/m, 'text added before the help');
  t.match(text, /^- `script`: the script$/m);
  t.match(text, /^- `-n, --times <n>`: how often \(default: "1"\)$/m);
  t.match(text, /^### tool run twice$/m);
  t.match(text, /^Aliases: `2`$/m);
  t.match(text, /^```text\nExamples:\n {2}tool run a\.sh\n```$/m);
  t.match(text, /^## tool bare\n\n```\ntool bare \[options\]\n```$/m, 'a command without description, options or arguments');
  t.equal(renderCliReference(program), text, 'deterministic');
});

t.test('helpers', async (t) => {
  t.equal(headingAnchor('skiff port-forward'), 'skiff-port-forward');
  t.equal(headingAnchor('skiff create secret docker-registry'), 'skiff-create-secret-docker-registry');
  t.equal(escapeMarkdown('a|b *c* <d> [e] `f` \\g _h_'), 'a\\|b \\*c\\* \\<d\\> \\[e\\] \\`f\\` \\\\g \\_h\\_');
  t.equal(commandPath(new Command('solo')), 'solo');
  t.equal(code('--flag'), '`--flag`');
  t.equal(code('a `b` c'), '`` a `b` c ``', 'a span holding backticks gets a longer fence');
});

t.test('the context the tree is built with refuses to act: generating the reference never runs a command', async (t) => {
  const ctx = helpOnlyContext();
  t.throws(() => ctx.io.stdout('x'), /only reads the command definitions/);
  await t.rejects(ctx.connect(), /only reads the command definitions/);
});
