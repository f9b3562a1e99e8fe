import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { SecretBox } from '../../../agent/config/secret-box.js';
import { SqliteAgentStore } from '../../../agent/store/sqlite-agent-store.js';
import type { DesiredState } from '../../../shared/mqtt/messages.js';
import { pod } from './fixtures/builders.js';

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-secret-box-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const SECRET_VALUE = 'correct-horse-battery-staple-4711';
const b64 = (text: string): string => Buffer.from(text).toString('base64');
const state: DesiredState = {
  schema: 1,
  node: 'n',
  generation: 1,
  pods: [pod('web')],
  config: [
    { kind: 'ConfigMap', namespace: 'default', name: 'settings', data: { mode: b64('plain-config-value') } },
    { kind: 'Secret', namespace: 'default', name: 'creds', type: 'Opaque', data: { 'password-key-name': b64(SECRET_VALUE) } },
  ],
};

t.test('sealed text opens with the same key only, and differs each time', async (t) => {
  const box = SecretBox.withKey(Buffer.alloc(32, 7));
  const a = box.seal('hello');
  t.not(a, box.seal('hello'), 'a fresh IV each time');
  t.equal(box.open(a), 'hello');
  t.throws(() => SecretBox.withKey(Buffer.alloc(32, 8)).open(a), /cannot decrypt/);
  const tampered = a.slice(0, -4) + (a.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  t.throws(() => box.open(tampered), /cannot decrypt/);
});

t.test('the key file is created 0600 on first use and reused after', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'secret.key');
  const sealed = SecretBox.fromKeyFile(file).seal('x');
  t.equal(statSync(file).mode & 0o777, 0o600);
  t.equal(SecretBox.fromKeyFile(file).open(sealed), 'x');
  writeFileSync(join(dir, 'short.key'), 'c2hvcnQ=');
  t.throws(() => SecretBox.fromKeyFile(join(dir, 'short.key')), /32-byte key/);
});

t.test('the agent store keeps Secret data sealed on disk and gives it back whole', async (t) => {
  const dir = tempDir(t);
  const store = new SqliteAgentStore(join(dir, 'agent.db'));
  t.ok(store.saveDesired(state));
  t.same(store.loadDesired(), state);
  store.close();
  const files = readdirSync(dir).filter((f) => f.startsWith('agent.db'));
  for (const name of files) {
    const bytes = readFileSync(join(dir, name));
    for (const needle of [SECRET_VALUE, b64(SECRET_VALUE), 'password-key-name']) t.notOk(bytes.includes(needle), `${name} does not contain ${needle}`);
  }
  t.ok(files.some((f) => readFileSync(join(dir, f)).includes(b64('plain-config-value'))), 'ConfigMaps stay plain (the check above can fail)');
  const reopened = new SqliteAgentStore(join(dir, 'agent.db'));
  t.same(reopened.loadDesired(), state, 'opens after a restart with the key file');
  reopened.close();
});
