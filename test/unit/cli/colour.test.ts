import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { colour, colourEnabled } from '../../../hub/cli/colour.js';
import { runCliInProcess } from '../../helpers/in-process-cli.js';
import { repoRoot } from '../../helpers/repo.js';

const RED = '\u001b[31m';
const YELLOW = '\u001b[33m';
const RESET = '\u001b[39m';
/** A server flag that is no URL: every command fails at once with an `error:` line, no hub needed. */
const NOWHERE = ['--server', 'not a url', '--token', 'x'];

t.test('colour only on a terminal, never with NO_COLOR or TERM=dumb', async (t) => {
  t.equal(colourEnabled(true, {}), true);
  t.equal(colourEnabled(false, {}), false);
  t.equal(colourEnabled(undefined, {}), false);
  t.equal(colourEnabled(true, { NO_COLOR: '1' }), false);
  t.equal(colourEnabled(true, { NO_COLOR: '' }), true, 'no-color.org: an empty NO_COLOR does not count');
  t.equal(colourEnabled(true, { TERM: 'dumb' }), false);
  t.equal(colourEnabled(true, { TERM: 'xterm-256color' }), true);
});

t.test('labels: only the prefix is coloured, other lines stay as they are', async (t) => {
  const on = colour(true);
  t.equal(on.label('error: boom'), `${RED}error:${RESET} boom`);
  t.equal(on.label('Error from server (NotFound): pods "x" not found'), `${RED}Error from server (NotFound):${RESET} pods "x" not found`);
  t.equal(on.label('Error from server: bad'), `${RED}Error from server:${RESET} bad`);
  t.equal(on.label('Warning: ignoring DaemonSet-managed Pods'), `${YELLOW}Warning:${RESET} ignoring DaemonSet-managed Pods`);
  t.equal(on.label('warning: this removed your active context'), `${YELLOW}warning:${RESET} this removed your active context`);
  t.equal(on.label('NAME   READY'), 'NAME   READY');
  t.equal(on.label('an error: in the middle'), 'an error: in the middle');
  t.equal(on.paint('success', 'done'), '\u001b[32mdone\u001b[39m');
  const off = colour(false);
  t.equal(off.label('error: boom'), 'error: boom');
  t.equal(off.paint('error', 'x'), 'x');
});

t.test('the CLI colours its error label on a terminal only', async (t) => {
  const plain = await runCliInProcess(['get', 'pods', ...NOWHERE]);
  t.equal(plain.code, 1);
  t.match(plain.stderr, /^error: invalid server URL "not a url"/);
  t.notMatch(plain.stderr, /\u001b\[/, 'no escape codes into a pipe');

  const unknown = await runCliInProcess(['get', 'pods', ...NOWHERE], { tty: true });
  t.equal(unknown.code, 1);
  t.match(unknown.stderr, new RegExp(`^\\u001b\\[31merror:\\u001b\\[39m `), unknown.stderr);

  const noColour = await runCliInProcess(['get', 'pods', ...NOWHERE], { tty: true, env: { NO_COLOR: '1' } });
  t.equal(noColour.code, 1);
  t.match(noColour.stderr, /^error: /);
  t.notMatch(noColour.stderr, /\u001b\[/);
});

t.test('the real executable under a real terminal (script(1) gives it a pty)', async (t) => {
  const bin = join(repoRoot(), 'bin', 'skiff.js');
  const command = `${process.execPath} ${bin} get pods --server 'not a url' --token x`;
  const underTerminal = (env: Record<string, string>): string => {
    const result = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', TERM: 'xterm', ...env } });
    t.equal(result.status, 1, `script exits with the CLI's code: ${result.stderr}`);
    return result.stdout;
  };
  t.match(underTerminal({}), `${RED}error:${RESET} `, 'a terminal gets colour');
  const withNoColor = underTerminal({ NO_COLOR: '1' });
  t.match(withNoColor, /error: /);
  t.notMatch(withNoColor, /\u001b\[3/, 'NO_COLOR: none, even on a terminal');
});
