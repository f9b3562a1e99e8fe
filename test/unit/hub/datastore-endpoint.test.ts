/** `--datastore-endpoint`, `skiff hub migrate-store`'s --from and --to: what each form means, and each bad one's message. */
import t from 'tap';
import { describeDatastore, parseDatastoreEndpoint } from '../../../hub/store/datastore-endpoint.js';
import { resolveHubOptions, runMigrateStore } from '../../../hub/cli/actions/hub.js';
import { createContext } from '../../../hub/cli/context.js';

t.test('the forms k3s takes, and SQLite files', async (t) => {
  t.same(parseDatastoreEndpoint('postgres://skiff:pw@db.lan:5432/skiff', '--x'), { kind: 'postgres', url: 'postgres://skiff:pw@db.lan:5432/skiff' });
  t.same(parseDatastoreEndpoint(' postgresql://db/skiff?sslmode=require ', '--x'), { kind: 'postgres', url: 'postgresql://db/skiff?sslmode=require' });
  t.same(parseDatastoreEndpoint('sqlite:/var/lib/skiff/hub/hub.db', '--x'), { kind: 'sqlite', file: '/var/lib/skiff/hub/hub.db' });
  t.same(parseDatastoreEndpoint('sqlite:///var/lib/skiff/hub.db', '--x'), { kind: 'sqlite', file: '/var/lib/skiff/hub.db' });
  t.same(parseDatastoreEndpoint('sqlite:hub.db', '--x'), { kind: 'sqlite', file: 'hub.db' }, 'relative to the working directory');
});

t.test('bad endpoints name the flag and say what would do', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['mysql://root@db/skiff', /^invalid value for --datastore-endpoint: unsupported datastore "mysql"; use postgres:\/\/user:password@host:5432\/database or sqlite:\/path\/to\/hub\.db$/],
    ['/var/lib/hub.db', /not a datastore URL/],
    ['postgres://db.lan:5432', /the postgres:\/\/ URL names no database/],
    ['postgres://', /not a valid postgres:\/\/ URL|names no host/],
    ['sqlite:', /sqlite: needs a file path/],
  ];
  for (const [value, message] of cases) t.throws(() => parseDatastoreEndpoint(value, '--datastore-endpoint'), { code: 'SKIFF_ERR_CONFIG', message }, value);
});

t.test('a PostgreSQL password is never shown', async (t) => {
  t.equal(describeDatastore({ kind: 'postgres', url: 'postgres://skiff:s3cret@db:5432/skiff' }), 'postgres://skiff:***@db:5432/skiff');
  t.equal(describeDatastore({ kind: 'sqlite', file: '/d/hub.db' }), 'sqlite:/d/hub.db');
});

t.test('skiff hub takes --datastore-endpoint or $SKIFF_DATASTORE_ENDPOINT', async (t) => {
  t.same(resolveHubOptions({ dataDir: '/d', datastoreEndpoint: 'postgres://db/skiff' }, {}).datastore, { kind: 'postgres', url: 'postgres://db/skiff' });
  t.same(resolveHubOptions({ dataDir: '/d' }, { SKIFF_DATASTORE_ENDPOINT: 'sqlite:/e/hub.db' }).datastore, { kind: 'sqlite', file: '/e/hub.db' });
  t.equal(resolveHubOptions({ dataDir: '/d' }, {}).datastore, undefined, 'absent: DATA/hub.db');
  t.throws(() => resolveHubOptions({ dataDir: '/d' }, { SKIFF_DATASTORE_ENDPOINT: 'etcd://x' }), { message: /^invalid value for \$SKIFF_DATASTORE_ENDPOINT: unsupported datastore "etcd"/ });
});

t.test('migrate-store: both endpoints are required and checked before anything is opened', async (t) => {
  const out: string[] = [];
  const io = {
    stdout: (s: string) => void out.push(s),
    stderr: () => {},
    readStdin: async () => '',
    env: {},
    homedir: '/nonexistent',
    waitForSignal: async () => 'SIGTERM' as const,
    exit: () => {},
  };
  const ctx = createContext(io, async () => {
    throw new Error('migrate-store needs no client');
  });
  const opened: string[] = [];
  const transfer = async (from: { kind: string }, to: { kind: string }) => {
    opened.push(`${from.kind}->${to.kind}`);
    return { revision: 42, counts: { objects: 7, node_credentials: 2, bootstrap_tokens: 1, service_account_tokens: 0, dispatch: 2 } };
  };
  await t.rejects(runMigrateStore({ to: 'mysql://x/y' }, ctx, transfer), {
    code: 'SKIFF_ERR_CONFIG',
    message: '--from is required (postgres://user:password@host:5432/database or sqlite:/path/to/hub.db)\ninvalid value for --to: unsupported datastore "mysql"; use postgres://user:password@host:5432/database or sqlite:/path/to/hub.db',
  });
  t.same(opened, [], 'nothing opened');
  await runMigrateStore({ from: 'sqlite:/d/hub.db', to: 'postgres://u:pw@db/skiff' }, ctx, transfer);
  t.same(opened, ['sqlite->postgres']);
  t.equal(
    out.join(''),
    'copied 7 objects (revision 42), 2 node credentials, 1 join token, 0 service account tokens and 2 dispatch records from sqlite:/d/hub.db to postgres://u:***@db/skiff\n' +
      'start the hub with --datastore-endpoint postgres://u:***@db/skiff and the same --data-dir (its CA, tokens and encryption key)\n',
  );
});
