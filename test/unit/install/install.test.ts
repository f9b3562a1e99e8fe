/**
 * install/install.sh and install/uninstall.sh, run for real with bash against scratch roots
 * (--root DIR): what they write and with which modes, what they refuse, --dry-run, re-run
 * idempotence, uninstall leaving the root as it was, and the systemd units passing
 * `systemd-analyze verify`. In --root mode the scripts run no apt-get, npm or systemctl (they
 * print them), so these tests need neither the network nor a running systemd.
 */
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { repoRoot } from '../../helpers/repo.js';

const INSTALL = join(repoRoot(), 'install', 'install.sh');
const UNINSTALL = join(repoRoot(), 'install', 'uninstall.sh');
const UNIT_TEMPLATES = join(repoRoot(), 'install', 'systemd');
const HOST_UNITS = '/usr/lib/systemd/system';
const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';

const AGENT_ENV = { SKIFF_SERVER: 'https://hub.lan:7443', SKIFF_TOKEN: 'K10abc::node1.secret' };

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a script with only PATH and the given variables: no SKIFF_* leaks in from the test's environment. */
function runScript(script: string, args: string[], env: Record<string, string> = {}, path = process.env.PATH ?? ''): Run {
  const result = spawnSync('bash', [script, ...args], { env: { PATH: path, ...env }, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function scratchDir(t: Test, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `skiff-install-${name}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A scratch root as a fresh machine has it, in small: /etc, /run, /var/lib and /usr/lib exist,
 * with files that are not Skiff's. With hostUnits, /usr/lib/systemd/system holds the host's units
 * (systemd-analyze verify --root needs sysinit.target and friends there).
 */
function scratchRoot(t: Test, hostUnits = false): string {
  const root = scratchDir(t, 'root');
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'etc', 'hostname'), 'pi-1\n');
  mkdirSync(join(root, 'var', 'lib'), { recursive: true });
  mkdirSync(join(root, 'run'));
  mkdirSync(join(root, 'usr', 'lib', 'systemd', 'system'), { recursive: true });
  writeFileSync(join(root, 'usr', 'lib', 'systemd', 'system', 'multi-user.target'), '[Unit]\nDescription=Multi-User System\n');
  if (hostUnits) cpSync(HOST_UNITS, join(root, 'usr', 'lib', 'systemd', 'system'), { recursive: true, verbatimSymlinks: true });
  return root;
}

/** A tiny Skiff package for --from: the files install.sh copies, with nothing to build. */
function fixturePackage(t: Test, version = '0.1.0'): string {
  const dir = scratchDir(t, 'pkg');
  const put = (path: string, content: string, mode = 0o644): void => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
    chmodSync(join(dir, path), mode);
  };
  put('package.json', `{\n  "name": "skiff",\n  "version": "${version}",\n  "type": "module"\n}\n`);
  put('package-lock.json', '{ "lockfileVersion": 3 }\n');
  put('bin/skiff.js', '#!/usr/bin/env node\n', 0o755);
  put('dist/agent/main.js', 'export async function main() {}\n');
  put('dist/hub/cli/main.js', 'export async function main() {}\n');
  put('dist/test/unit/some.test.js', '// the test suite: not installed\n');
  return dir;
}

/**
 * Every path under root with its type, mode and content (or link target); with mtimes, two equal
 * snapshots also prove that nothing was rewritten with the same bytes.
 */
function snapshot(root: string, withMtimes = false): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel))) {
      const path = join(rel, name);
      const st = lstatSync(join(root, path));
      const when = withMtimes ? ` @${st.mtimeMs}` : '';
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out[path] = `link -> ${readlinkSync(join(root, path))}`;
      else if (st.isDirectory()) {
        out[path] = `dir ${mode}${when}`;
        walk(path);
      } else out[path] = `file ${mode} ${createHash('sha256').update(readFileSync(join(root, path))).digest('hex')}${when}`;
    }
  };
  walk('');
  return out;
}

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

t.test('agent: writes agent.env (0600), the unit, /opt/skiff and the skiff link, and only prints npm and systemctl', async (t) => {
  const root = scratchRoot(t);
  const pkg = fixturePackage(t);
  const run = runScript(INSTALL, ['agent', '--root', root, '--from', pkg], { ...AGENT_ENV, SKIFF_NODE_NAME: 'pi-1', SKIFF_AGENT_ARGS: '--node-label tier=edge' });
  t.equal(run.status, 0, run.stderr);

  const envFile = join(root, 'etc/skiff/agent.env');
  t.equal(mode(envFile), '600', 'the env file holds the join token: root only');
  const settings = readFileSync(envFile, 'utf8').split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  t.same(settings, [
    'SKIFF_DATA_DIR="/var/lib/skiff/agent"',
    'SKIFF_SERVER="https://hub.lan:7443"',
    'SKIFF_TOKEN="K10abc::node1.secret"',
    'SKIFF_NODE_NAME="pi-1"',
    'SKIFF_AGENT_ARGS="--node-label tier=edge"',
  ]);

  const unit = join(root, 'etc/systemd/system/skiff-agent.service');
  t.equal(readFileSync(unit, 'utf8'), readFileSync(join(UNIT_TEMPLATES, 'skiff-agent.service'), 'utf8'), 'the unit is the template');
  t.equal(mode(unit), '644');
  t.notOk(existsSync(join(root, 'etc/systemd/system/skiff-hub.service')), 'no hub unit for an agent');

  t.equal(mode(join(root, 'opt/skiff/bin/skiff.js')), '755', 'the ExecStart program is executable');
  t.ok(existsSync(join(root, 'opt/skiff/dist/agent/main.js')));
  t.ok(existsSync(join(root, 'opt/skiff/package-lock.json')), 'the lock file npm ci --omit=dev installs from');
  t.notOk(existsSync(join(root, 'opt/skiff/dist/test')), 'the test suite is not installed');
  t.equal(readlinkSync(join(root, 'usr/local/bin/skiff')), '/opt/skiff/bin/skiff.js');
  t.notOk(existsSync(join(root, 'var/lib/skiff')), "the data dir is the unit's StateDirectory: systemd makes it");

  t.match(run.stdout, /skipped \(--root\): checking for nodejs \(>= 20\) and npm, docker\.io/);
  t.match(run.stdout, /skipped \(--root\): npm ci --omit=dev/);
  t.match(run.stdout, /skipped \(--root\): systemctl daemon-reload/);
  t.match(run.stdout, /skipped \(--root\): systemctl enable --now skiff-agent\.service/);
  t.match(readFileSync(join(root, 'etc/skiff/install-manifest.agent'), 'utf8'), /^tree \/opt\/skiff$/m);
});

t.test("agent: the node name defaults to this machine's hostname, in lower case", async (t) => {
  const root = scratchRoot(t);
  const run = runScript(INSTALL, ['agent', '--root', root, '--from', fixturePackage(t)], AGENT_ENV);
  t.equal(run.status, 0, run.stderr);
  t.match(readFileSync(join(root, 'etc/skiff/agent.env'), 'utf8'), `\nSKIFF_NODE_NAME="${hostname().toLowerCase()}"\n`);
});

t.test('agent: refuses without SKIFF_SERVER and SKIFF_TOKEN, naming what is missing, and writes nothing', async (t) => {
  const root = scratchRoot(t);
  const pkg = fixturePackage(t);
  const before = snapshot(root, true);

  const neither = runScript(INSTALL, ['agent', '--root', root, '--from', pkg]);
  t.equal(neither.status, 1);
  t.match(neither.stderr, /set SKIFF_SERVER \(the hub's URL/);
  t.match(neither.stderr, /and SKIFF_TOKEN \(the hub's join token/);

  const noToken = runScript(INSTALL, ['agent', '--root', root, '--from', pkg], { SKIFF_SERVER: AGENT_ENV.SKIFF_SERVER });
  t.equal(noToken.status, 1);
  t.match(noToken.stderr, /set SKIFF_TOKEN/);
  t.notMatch(noToken.stderr, /SKIFF_SERVER \(/);

  const badUrl = runScript(INSTALL, ['agent', '--root', root, '--from', pkg], { ...AGENT_ENV, SKIFF_SERVER: 'hub.lan:7443' });
  t.equal(badUrl.status, 1);
  t.match(badUrl.stderr, /SKIFF_SERVER must be the hub's http:\/\/ or https:\/\/ URL/);

  t.same(snapshot(root, true), before);
});

t.test('hub: writes hub.env with its data dir and the SKIFF_* settings given', async (t) => {
  const root = scratchRoot(t);
  const run = runScript(INSTALL, ['hub', '--root', root, '--from', fixturePackage(t)], { SKIFF_API_PORT: '7444', SKIFF_HUB_ARGS: '--tls-san hub.lan' });
  t.equal(run.status, 0, run.stderr);
  const envFile = join(root, 'etc/skiff/hub.env');
  t.equal(mode(envFile), '600');
  t.same(
    readFileSync(envFile, 'utf8').split('\n').filter((line) => line !== '' && !line.startsWith('#')),
    ['SKIFF_DATA_DIR="/var/lib/skiff/hub"', 'SKIFF_API_PORT="7444"', 'SKIFF_HUB_ARGS="--tls-san hub.lan"'],
  );
  t.equal(readFileSync(join(root, 'etc/systemd/system/skiff-hub.service'), 'utf8'), readFileSync(join(UNIT_TEMPLATES, 'skiff-hub.service'), 'utf8'));
  t.match(run.stdout, /skipped \(--root\): checking for nodejs \(>= 20\) and npm on the target/, 'a hub needs no Docker');
  t.match(run.stdout, /join-token/, 'says how agents join');
});

t.test('--dry-run prints every action and writes nothing', async (t) => {
  const root = scratchRoot(t);
  const pkg = fixturePackage(t);
  const before = snapshot(root, true);
  const run = runScript(INSTALL, ['agent', '--dry-run', '--root', root, '--from', pkg], AGENT_ENV);
  t.equal(run.status, 0, run.stderr);
  t.same(snapshot(root, true), before);
  for (const action of [
    'would create directory /opt',
    'would install Skiff 0.1.0',
    'would link /usr/local/bin/skiff -> /opt/skiff/bin/skiff.js',
    'would write /etc/skiff/agent.env (mode 0600)',
    'would write /etc/systemd/system/skiff-agent.service (mode 0644)',
    'would write /etc/skiff/install-manifest.agent',
    'dry run: nothing was changed',
  ]) {
    t.ok(run.stdout.includes(action), action);
  }

  t.equal(runScript(INSTALL, ['agent', '--root', root, '--from', pkg], AGENT_ENV).status, 0);
  const installed = snapshot(root, true);
  const update = runScript(INSTALL, ['agent', '--dry-run', '--root', root, '--from', pkg], { SKIFF_SERVER: 'https://hub2.lan:7443' });
  t.equal(update.status, 0, update.stderr);
  t.match(update.stdout, /would update \/etc\/skiff\/agent\.env/);
  t.same(snapshot(root, true), installed, 'a dry run over an installation changes nothing either');
});

t.test('a second run changes nothing, byte for byte, and says so', async (t) => {
  for (const role of ['hub', 'agent']) {
    const root = scratchRoot(t);
    const pkg = fixturePackage(t);
    t.equal(runScript(INSTALL, [role, '--root', root, '--from', pkg], AGENT_ENV).status, 0);
    const first = snapshot(root, true);
    const again = runScript(INSTALL, [role, '--root', root, '--from', pkg], AGENT_ENV);
    t.equal(again.status, 0, again.stderr);
    t.same(snapshot(root, true), first, `${role}: same tree, same mtimes`);
    t.match(again.stdout, new RegExp(`nothing to do: skiff ${role} 0\\.1\\.0 is installed and up to date`));
    t.notMatch(again.stdout, /systemctl/, `${role}: no restart`);
  }
});

t.test('a re-run takes new settings from the environment, keeps the others, and restarts the service', async (t) => {
  const root = scratchRoot(t);
  const pkg = fixturePackage(t);
  t.equal(runScript(INSTALL, ['agent', '--root', root, '--from', pkg], { ...AGENT_ENV, SKIFF_NODE_NAME: 'pi-1' }).status, 0);
  const run = runScript(INSTALL, ['agent', '--root', root, '--from', pkg], { SKIFF_SERVER: 'https://hub2.lan:7443' });
  t.equal(run.status, 0, run.stderr);
  const env = readFileSync(join(root, 'etc/skiff/agent.env'), 'utf8');
  t.match(env, '\nSKIFF_SERVER="https://hub2.lan:7443"\n');
  t.match(env, '\nSKIFF_TOKEN="K10abc::node1.secret"\n', 'the token stays from the env file');
  t.match(env, '\nSKIFF_NODE_NAME="pi-1"\n');
  t.equal(mode(join(root, 'etc/skiff/agent.env')), '600');
  t.match(run.stdout, /update \/etc\/skiff\/agent\.env/);
  t.match(run.stdout, /skipped \(--root\): systemctl restart skiff-agent\.service/);
  t.notMatch(run.stdout, /install Skiff/, 'the same package is not copied again');
});

t.test('a new version of the package replaces /opt/skiff; --version guards against the wrong one', async (t) => {
  const root = scratchRoot(t);
  t.equal(runScript(INSTALL, ['hub', '--root', root, '--from', fixturePackage(t, '0.1.0')]).status, 0);
  const newer = fixturePackage(t, '0.2.0');
  writeFileSync(join(newer, 'dist/hub/cli/main.js'), 'export async function main() { /* 0.2.0 */ }\n');

  const wrong = runScript(INSTALL, ['hub', '--root', root, '--from', newer, '--version', '0.3.0']);
  t.equal(wrong.status, 1);
  t.match(wrong.stderr, /holds Skiff 0\.2\.0, not --version 0\.3\.0/);

  const run = runScript(INSTALL, ['hub', '--root', root, '--from', newer, '--version', '0.2.0']);
  t.equal(run.status, 0, run.stderr);
  t.match(run.stdout, /install Skiff 0\.2\.0/);
  t.match(run.stdout, /skipped \(--root\): systemctl restart skiff-hub\.service/);
  t.match(readFileSync(join(root, 'opt/skiff/dist/hub/cli/main.js'), 'utf8'), /0\.2\.0/);
  t.notOk(existsSync(join(root, 'opt/skiff.install-new')) || existsSync(join(root, 'opt/skiff.install-old')), 'no staging left behind');
});

t.test('refuses an architecture other than amd64, arm64 and armhf, before writing anything', async (t) => {
  const root = scratchRoot(t);
  const stubs = scratchDir(t, 'bin');
  writeFileSync(join(stubs, 'dpkg'), '#!/bin/sh\necho riscv64\n');
  chmodSync(join(stubs, 'dpkg'), 0o755);
  const before = snapshot(root);
  const run = runScript(INSTALL, ['hub', '--root', root, '--from', fixturePackage(t)], {}, `${stubs}${delimiter}${process.env.PATH ?? ''}`);
  t.equal(run.status, 1);
  t.match(run.stderr, /unsupported architecture "riscv64": Skiff installs on amd64, arm64 and armhf/);
  t.same(snapshot(root), before);
});

t.test('refuses to overwrite a file that install.sh did not write, before changing anything', async (t) => {
  const root = scratchRoot(t);
  mkdirSync(join(root, 'etc/skiff'));
  writeFileSync(join(root, 'etc/skiff/hub.env'), 'MINE=1\n');
  const before = snapshot(root, true);
  const run = runScript(INSTALL, ['hub', '--root', root, '--from', fixturePackage(t)]);
  t.equal(run.status, 1);
  t.match(run.stderr, /\/etc\/skiff\/hub\.env exists and was not written by install\.sh/);
  t.same(snapshot(root, true), before, 'refused before changing anything: the file is untouched, nothing else written');
});

t.test('uninstall leaves the root as it was before install; data stays unless --purge', async (t) => {
  const root = scratchRoot(t);
  const pkg = fixturePackage(t);
  const before = snapshot(root);
  t.equal(runScript(INSTALL, ['hub', '--root', root, '--from', pkg]).status, 0);
  t.equal(runScript(INSTALL, ['agent', '--root', root, '--from', pkg], AGENT_ENV).status, 0);
  // What the services would have written at run time, in their StateDirectory.
  for (const [role, file] of [['hub', 'hub.db'], ['agent', 'agent.db']] as const) {
    mkdirSync(join(root, 'var/lib/skiff', role), { recursive: true });
    writeFileSync(join(root, 'var/lib/skiff', role, file), 'data');
  }
  mkdirSync(join(root, 'run/skiff/secrets/pi-1'), { recursive: true }); // the agent's Secret volume files
  const withData = snapshot(root);

  const hubGone = runScript(UNINSTALL, ['hub', '--root', root]);
  t.equal(hubGone.status, 0, hubGone.stderr);
  t.match(hubGone.stdout, /skipped \(--root\): systemctl disable --now skiff-hub\.service/);
  t.match(hubGone.stdout, /keeping \/opt\/skiff: the agent installation uses it/);
  t.notOk(existsSync(join(root, 'etc/skiff/hub.env')));
  t.notOk(existsSync(join(root, 'etc/systemd/system/skiff-hub.service')));
  t.ok(existsSync(join(root, 'opt/skiff/bin/skiff.js')), 'the agent still runs from /opt/skiff');
  t.ok(existsSync(join(root, 'etc/skiff/agent.env')));

  const agentGone = runScript(UNINSTALL, ['agent', '--root', root]);
  t.equal(agentGone.status, 0, agentGone.stderr);
  t.match(agentGone.stdout, /kept the data in \/var\/lib\/skiff\/agent/);
  const dataOnly = Object.fromEntries(Object.entries(withData).filter(([path]) => path in before || path.startsWith('var/lib/skiff') || path.startsWith('run/skiff')));
  t.same(snapshot(root), dataOnly, 'only the data is left');

  t.match(runScript(UNINSTALL, ['agent', '--root', root]).stdout, /nothing to do/, 'a second uninstall has nothing to do');

  t.equal(runScript(UNINSTALL, ['agent', '--root', root, '--purge']).status, 0);
  t.notOk(existsSync(join(root, 'var/lib/skiff/agent')), '--purge removes the agent data');
  t.notOk(existsSync(join(root, 'run/skiff')), "and the agent's Secret files");
  t.ok(existsSync(join(root, 'var/lib/skiff/hub/hub.db')), "and not the hub's");
  t.equal(runScript(UNINSTALL, ['hub', '--root', root, '--purge']).status, 0);
  t.same(snapshot(root), before, 'the root is as it was before install');
});

t.test('uninstall --dry-run prints what it would remove and changes nothing', async (t) => {
  const root = scratchRoot(t);
  t.equal(runScript(INSTALL, ['agent', '--root', root, '--from', fixturePackage(t)], AGENT_ENV).status, 0);
  mkdirSync(join(root, 'var/lib/skiff/agent'), { recursive: true });
  const installed = snapshot(root, true);
  const run = runScript(UNINSTALL, ['agent', '--purge', '--dry-run', '--root', root]);
  t.equal(run.status, 0, run.stderr);
  t.match(run.stdout, /would remove \/etc\/skiff\/agent\.env/);
  t.match(run.stdout, /would remove \/opt\/skiff and everything in it/);
  t.match(run.stdout, /would remove \/var\/lib\/skiff\/agent \(the agent's data\)/);
  t.same(snapshot(root, true), installed);
});

t.test('the installed units pass systemd-analyze verify, which fails when ExecStart is missing', async (t) => {
  // `--root` makes systemd-analyze read the units, their dependencies (the host's units, copied
  // into the scratch root) and the ExecStart program from the scratch root; it needs no running
  // systemd, so it works in this container.
  const root = scratchRoot(t, true);
  const pkg = fixturePackage(t);
  t.equal(runScript(INSTALL, ['hub', '--root', root, '--from', pkg]).status, 0);
  t.equal(runScript(INSTALL, ['agent', '--root', root, '--from', pkg], AGENT_ENV).status, 0);
  const verify = (): Run => {
    const result = spawnSync(SYSTEMD_ANALYZE, ['verify', `--root=${root}`, 'skiff-hub.service', 'skiff-agent.service'], { encoding: 'utf8' });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const ok = verify();
  t.equal(ok.status, 0, ok.stderr);
  t.equal(ok.stderr, '', 'no warnings (an unknown or misspelt directive is only a warning)');

  rmSync(join(root, 'opt/skiff/bin/skiff.js'));
  const broken = verify();
  t.not(broken.status, 0);
  t.match(broken.stderr, /Command \/opt\/skiff\/bin\/skiff\.js is not executable/);
});

t.test('the scripts are shellcheck-clean', async (t) => {
  // install/dev-setup.sh installs shellcheck, as every other tool the tests need.
  const run = spawnSync('shellcheck', [INSTALL, UNINSTALL], { encoding: 'utf8' });
  t.equal(run.error, undefined, 'shellcheck runs (install/dev-setup.sh installs it)');
  t.equal(run.status, 0, run.stdout);
});
