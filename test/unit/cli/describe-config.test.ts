/**
 * `describe configmap` and `describe secret`: the exact text of kubectl 1.32's ConfigMapDescriber
 * and describeSecret (keys in byte order, where kubectl follows Go's random map order), and what
 * the CLI asks a stub hub for: a ConfigMap's events, never a Secret's.
 */
import t from 'tap';
import type { KubeObject } from '../../../shared/api/object.js';
import type { ConfigMap, Secret } from '../../../shared/api/schema/config.js';
import type { Event } from '../../../shared/api/schema/event.js';
import { describeConfigMap } from '../../../hub/cli/describe/config-map.js';
import { describeSecret } from '../../../hub/cli/describe/secret.js';
import type { DescribeClock } from '../../../hub/cli/describe/time-format.js';
import { runCliInProcess } from '../../helpers/in-process-cli.js';
import { DESCRIBE_NOW } from './fixtures/describe-objects.js';
import { startDescribeHub } from './fixtures/describe-hub.js';

const clock: DescribeClock = { now: DESCRIBE_NOW, utcOffsetMinutes: 0 };
const text = (lines: string[]): string => `${lines.join('\n')}\n`;
const b64 = (value: string | Buffer): string => Buffer.from(value).toString('base64');

const appConfig: ConfigMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'app-config', namespace: 'default', uid: 'uid-cm-app', labels: { app: 'web', tier: 'front' }, annotations: { 'skiff.dev/owner': 'ops' } },
  data: { 'ui.properties': 'color.good=purple\ncolor.bad=yellow', LOG_LEVEL: 'debug' },
  binaryData: { 'logo.png': b64(Buffer.alloc(1234, 7)) },
};

const credentials: Secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'db-credentials', namespace: 'default', uid: 'uid-secret-db', labels: { app: 'db' } },
  type: 'Opaque',
  data: { username: b64('admin'), password: b64('s3cr3t-p4ssw0rd'), 'ca.crt': b64('') },
};

t.test('a ConfigMap: every data value in full under its key, binary values as their size, then events', async (t) => {
  t.equal(
    describeConfigMap(appConfig, [], clock),
    text([
      'Name:         app-config',
      'Namespace:    default',
      'Labels:       app=web',
      '              tier=front',
      'Annotations:  skiff.dev/owner: ops',
      '',
      'Data',
      '====',
      'LOG_LEVEL:',
      '----',
      'debug',
      '',
      'ui.properties:',
      '----',
      'color.good=purple',
      'color.bad=yellow',
      '',
      '',
      'BinaryData',
      '====',
      'logo.png: 1234 bytes',
      '',
      'Events:  <none>',
    ]),
  );
});

t.test('an empty ConfigMap: the Data and BinaryData headings stay, with nothing under them', async (t) => {
  const empty: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'empty', namespace: 'edge' } };
  t.equal(
    describeConfigMap(empty, [], clock),
    text(['Name:         empty', 'Namespace:    edge', 'Labels:       <none>', 'Annotations:  <none>', '', 'Data', '====', '', 'BinaryData', '====', '', 'Events:  <none>']),
  );
});

t.test('a ConfigMap whose events could not be searched prints no Events line, as kubectl with --show-events=false', async (t) => {
  t.notMatch(describeConfigMap(appConfig, undefined, clock), /Events/);
});

t.test('a ConfigMap\'s events are the usual table, aligned on its own', async (t) => {
  const event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'app-config.1', namespace: 'default' },
    involvedObject: { kind: 'ConfigMap', namespace: 'default', name: 'app-config', uid: 'uid-cm-app' },
    reason: 'Updated',
    message: 'data changed',
    type: 'Normal',
    source: { component: 'skiff-hub' },
    firstTimestamp: '2025-03-14T09:21:53Z',
    lastTimestamp: '2025-03-14T09:21:53Z',
    count: 1,
  } as unknown as Event;
  const out = describeConfigMap(appConfig, [event], clock);
  t.match(out, /\nlogo\.png: 1234 bytes\n\nEvents:\n  Type    Reason   Age   From       Message\n  ----    ------   ----  ----       -------\n  Normal  Updated  5m    skiff-hub  data changed\n$/);
});

t.test('a value with a terminal escape cannot drive the terminal', async (t) => {
  const cm: ConfigMap = { ...appConfig, data: { banner: 'hi\x1b[2Jthere\r' }, binaryData: {} };
  t.match(describeConfigMap(cm, [], clock), /\nbanner:\n----\nhi\^\[\[2Jthere\\r\n/);
});

t.test('a Secret: its type, then each key with the size of its value and never the value', async (t) => {
  const out = describeSecret(credentials);
  t.equal(
    out,
    text([
      'Name:         db-credentials',
      'Namespace:    default',
      'Labels:       app=db',
      'Annotations:  <none>',
      '',
      'Type:  Opaque',
      '',
      'Data',
      '====',
      'ca.crt:    0 bytes',
      'password:  15 bytes',
      'username:  5 bytes',
    ]),
  );
  t.notMatch(out, /admin|s3cr3t/);
});

t.test('a Secret with no data, and a service account token whose value kubectl would print', async (t) => {
  const bare: Secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bare', namespace: 'default' }, type: 'kubernetes.io/basic-auth' };
  t.equal(describeSecret(bare), text(['Name:         bare', 'Namespace:    default', 'Labels:       <none>', 'Annotations:  <none>', '', 'Type:  kubernetes.io/basic-auth', '', 'Data', '====']));
  const token = { ...bare, type: 'kubernetes.io/service-account-token', data: { token: b64('eyJhbGciOi.payload.sig') } } as unknown as Secret;
  const out = describeSecret(token);
  t.match(out, /\ntoken:  22 bytes\n$/);
  t.notMatch(out, /eyJ/, 'Skiff never prints a Secret value, a token included');
});

t.test('the CLI: describe cm NAME fetches its events, describe secret fetches nothing more, cm alone describes the namespace', async (t) => {
  const other: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other', namespace: 'default', uid: 'uid-cm-other' }, data: { a: 'b' } };
  const elsewhere: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'far', namespace: 'edge', uid: 'uid-cm-far' } };
  const hub = await startDescribeHub([appConfig, other, elsewhere, credentials] as unknown as KubeObject[]);
  t.teardown(() => hub.close());
  const describe = (...args: string[]) => runCliInProcess(['describe', ...args], { config: hub.configFile });

  const cm = await describe('cm', 'app-config');
  t.equal(cm.code, 0, cm.stderr);
  t.equal(cm.stdout, describeConfigMap(appConfig, [], clock));
  t.same(hub.requests, [
    '/api/v1/namespaces/default/configmaps/app-config',
    '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dapp-config%2CinvolvedObject.namespace%3Ddefault%2CinvolvedObject.uid%3Duid-cm-app',
  ]);

  hub.requests.length = 0;
  const secret = await describe('secret/db-credentials');
  t.equal(secret.code, 0, secret.stderr);
  t.equal(secret.stdout, describeSecret(credentials));
  t.same(hub.requests, ['/api/v1/namespaces/default/secrets/db-credentials']);

  const all = await describe('configmaps');
  t.equal(all.code, 0, all.stderr);
  t.same([...all.stdout.matchAll(/^Name:\s+(\S+)$/gm)].map((m) => m[1]), ['app-config', 'other']);
  t.match(all.stdout, /Events:  <none>\n\n\nName:         other\n/, 'descriptions separated by two empty lines');

  t.same(await describe('secret', 'nope'), { code: 1, stdout: '', stderr: 'Error from server (NotFound): secrets "nope" not found\n' });
  t.match((await describe()).stderr, /configmaps \(configmap, cm\), secrets \(secret\)$/m);
});
