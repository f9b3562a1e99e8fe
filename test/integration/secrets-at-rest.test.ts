/**
 * Secrets at rest on a real hub process (issue #6): after Secrets with distinctive values are
 * created, updated and rejected through the real CLI and API, no byte of those values (in plain
 * text or in base64) is in any file of the hub's data dir (hub.db, its WAL, metrics.db, ...) nor
 * in the hub's debug-level log. Key rotation with the hub stopped (and pruning the old key) and
 * with the hub running keeps every Secret readable; a lost key file stops the hub at start-up
 * with a message naming the file, before it serves anything.
 */
import { existsSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { run, SKIFF_BIN } from '../helpers/processes.js';

const RUN = Date.now().toString(36);
const IN_DATA = `s3cr3t-SENTINEL-data-${RUN}`;
const IN_STRING_DATA = `s3cr3t-SENTINEL-stringdata-${RUN}`;
const IN_UPDATE = `s3cr3t-SENTINEL-update-${RUN}`;
const IN_REJECTED = `s3cr3t-SENTINEL-rejected-${RUN}`;
const SENTINELS = [IN_DATA, IN_STRING_DATA, IN_UPDATE, IN_REJECTED];
const b64 = (text: string): string => Buffer.from(text).toString('base64');

/**
 * Every form a value could be stored in: as is, and in base64 at each of the three byte
 * alignments it could have inside a longer encoded text (the middle of each encoding does not
 * depend on the bytes around the value).
 */
function forbiddenForms(value: string): string[] {
  return [value, b64(value).slice(0, -4), b64(`x${value}`).slice(4, -4), b64(`xx${value}`).slice(4, -4)];
}

/** All files under a directory (the hub's data dir holds a few files and no deep tree). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function leaks(files: string[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    const bytes = readFileSync(file).toString('latin1');
    for (const sentinel of SENTINELS) {
      for (const form of forbiddenForms(sentinel)) if (bytes.includes(form)) found.push(`${file}: ${form === sentinel ? 'plain text' : 'base64'} of ${sentinel}`);
    }
  }
  return found;
}

function manifest(stringDataValue: string): string {
  return `apiVersion: v1
kind: Secret
metadata:
  name: db-credentials
  namespace: default
type: Opaque
data:
  password: ${b64(IN_DATA)}
stringData:
  api-token: ${stringDataValue}
`;
}

interface SecretJson {
  data?: Record<string, string>;
}

t.test('Secrets are encrypted at rest, never logged, and survive key rotation', async (t) => {
  const cluster = await TestCluster.start(t);
  const dataDir = cluster.hubDataDir;
  const keyFile = join(dataDir, 'encryption.key');
  const dbFile = join(dataDir, 'hub.db');
  const hubLog = join(cluster.dir, 'hub.log');
  const readSecret = () => cluster.api<SecretJson>('/api/v1/namespaces/default/secrets/db-credentials');

  const created = await cluster.skiff(['apply', '-f', '-'], { input: manifest(IN_STRING_DATA) });
  t.equal(created.code, 0, `apply: ${created.stderr}`);
  const generic = await cluster.skiff(['create', 'secret', 'generic', 'from-cli', '--from-literal', `token=${IN_DATA}`]);
  t.equal(generic.code, 0, `create secret generic: ${generic.stderr}`);
  t.same((await readSecret()).data, { password: b64(IN_DATA), 'api-token': b64(IN_STRING_DATA) }, 'the API returns the Secret');

  const updated = await cluster.skiff(['apply', '-f', '-'], { input: manifest(IN_UPDATE) });
  t.equal(updated.code, 0, `update: ${updated.stderr}`);
  t.equal((await readSecret()).data?.['api-token'], b64(IN_UPDATE));

  await t.test('a rejected Secret is not echoed in the error', async (t) => {
    const rejected = await cluster.skiff(['apply', '-f', '-'], {
      input: `apiVersion: v1\nkind: Secret\nmetadata:\n  name: broken\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: ${b64(IN_REJECTED)}\n`,
    });
    t.not(rejected.code, 0);
    t.match(rejected.stderr, 'dockerconfigjson');
    for (const form of forbiddenForms(IN_REJECTED)) t.notMatch(rejected.stderr + rejected.stdout, form);
    const badBase64 = await cluster.skiff(['apply', '-f', '-'], { input: `apiVersion: v1\nkind: Secret\nmetadata:\n  name: broken\ndata:\n  k: ${IN_REJECTED}!\n` });
    t.not(badBase64.code, 0);
    t.notMatch(badBase64.stderr + badBase64.stdout, IN_REJECTED);
  });

  await t.test('no plaintext or base64 of a value in any hub file or log, the hub running', async (t) => {
    const files = [...filesUnder(dataDir), hubLog];
    t.ok(files.includes(dbFile) && files.includes(`${dbFile}-wal`) && files.includes(join(dataDir, 'metrics.db')), 'hub.db, its WAL and metrics.db are checked');
    t.same(leaks(files), []);
    t.match(readFileSync(hubLog, 'utf8'), '"level":20', 'the log is at debug level');
  });

  const firstKeyId = (JSON.parse(readFileSync(keyFile, 'utf8')) as { keys: Array<{ id: string }> }).keys[0]!.id;
  t.equal(statSync(keyFile).mode & 0o777, 0o600, 'the key file is 0600');

  await t.test('rotation with the hub stopped, then prune: only the new key remains and everything reads', async (t) => {
    await cluster.stopHub();
    t.same(leaks([...filesUnder(dataDir), hubLog]), [], 'nothing leaked at shutdown either');
    const rotated = await cluster.skiff(['hub', 'rotate-encryption-key', '--data-dir', dataDir, '--prune']);
    t.equal(rotated.code, 0, rotated.stderr);
    t.match(rotated.stdout, 're-encrypted 2 Secrets');
    t.match(rotated.stdout, `pruned unused key(s) ${firstKeyId}`);
    const keys = (JSON.parse(readFileSync(keyFile, 'utf8')) as { keys: Array<{ id: string }> }).keys.map((k) => k.id);
    t.equal(keys.length, 1);
    t.not(keys[0], firstKeyId);
    const db = readFileSync(dbFile).toString('latin1') + (existsSync(`${dbFile}-wal`) ? readFileSync(`${dbFile}-wal`).toString('latin1') : '');
    t.notMatch(db, `k8s:enc:aesgcm:v1:${firstKeyId}:`, 'no row holds the old key id');
    t.match(db, `k8s:enc:aesgcm:v1:${keys[0]}:`, 'rows hold the new key id');

    await cluster.startHub();
    t.same((await readSecret()).data, { password: b64(IN_DATA), 'api-token': b64(IN_UPDATE) });
    t.same((await cluster.api<SecretJson>('/api/v1/namespaces/default/secrets/from-cli')).data, { token: b64(IN_DATA) });
  });

  await t.test('rotation beside the running hub: it reads and writes with the new key at once', async (t) => {
    const rotated = await cluster.skiff(['hub', 'rotate-encryption-key', '--data-dir', dataDir, '--prune']);
    t.equal(rotated.code, 0, rotated.stderr);
    t.match(rotated.stdout, 're-encrypted 2 Secrets');
    t.same((await readSecret()).data, { password: b64(IN_DATA), 'api-token': b64(IN_UPDATE) });
    const again = await cluster.skiff(['create', 'secret', 'generic', 'after-rotation', '--from-literal', `token=${IN_DATA}`]);
    t.equal(again.code, 0, again.stderr);
    t.same((await cluster.api<SecretJson>('/api/v1/namespaces/default/secrets/after-rotation')).data, { token: b64(IN_DATA) });
    t.same(leaks([...filesUnder(dataDir), hubLog]), []);
  });

  await t.test('a lost key file stops the hub at start with a message naming it', async (t) => {
    await cluster.stopHub();
    renameSync(keyFile, `${keyFile}.lost`);
    const started = await run(
      process.execPath,
      [SKIFF_BIN, 'hub', '--data-dir', dataDir, '--api-port', String(cluster.apiPort), '--mqtt-port', String(cluster.mqttPort), '--host', '127.0.0.1'],
      { timeoutMs: 30_000 },
    );
    t.equal(started.code, 1, 'exits with 1 instead of serving');
    t.match(started.stderr, `error: encryption key file ${keyFile} not found`);
    t.notMatch(started.stderr + started.stdout, /\n\s+at /, 'no stack trace');
    t.notMatch(started.stdout, 'hub started');
    t.notOk(existsSync(keyFile), 'no new key file replaces the lost one');

    renameSync(`${keyFile}.lost`, keyFile);
    await cluster.startHub();
    t.same((await readSecret()).data, { password: b64(IN_DATA), 'api-token': b64(IN_UPDATE) });
  });
});
