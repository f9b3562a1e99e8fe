import t from 'tap';
import { loadConnection, locateClientConfig } from '../../../hub/cli/client-config-loader.js';

const GOOD = 'apiVersion: skiff/v1\nkind: ClientConfig\nserver: http://10.0.0.2:7443\ntoken: s3cret\n';

function files(map: Record<string, string>): (path: string) => Promise<string> {
  return async (path) => {
    const text = map[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  };
}

t.test('the config is found via --config, else $SKIFF_CONFIG, else ~/.skiff/config', async (t) => {
  t.same(locateClientConfig({ config: '/a' }, { SKIFF_CONFIG: '/b' }, '/home/u'), { path: '/a', explicit: true });
  t.same(locateClientConfig({}, { SKIFF_CONFIG: '/b' }, '/home/u'), { path: '/b', explicit: true });
  t.same(locateClientConfig({}, {}, '/home/u'), { path: '/home/u/.skiff/config', explicit: false });
});

t.test('reads YAML or JSON configs; --server and --token override them', async (t) => {
  t.same(await loadConnection({}, {}, '/home/u', files({ '/home/u/.skiff/config': GOOD })), { server: 'http://10.0.0.2:7443', token: 's3cret' });
  const json = JSON.stringify({ apiVersion: 'skiff/v1', kind: 'ClientConfig', server: 'https://hub:7443', token: 't' });
  t.same(await loadConnection({ config: '/c.json' }, {}, '/h', files({ '/c.json': json })), { server: 'https://hub:7443', token: 't' });
  t.same(await loadConnection({ server: 'http://other:1', token: 'x' }, {}, '/home/u', files({ '/home/u/.skiff/config': GOOD })), { server: 'http://other:1', token: 'x' });
  t.same(await loadConnection({ token: 'x' }, {}, '/home/u', files({ '/home/u/.skiff/config': GOOD })), { server: 'http://10.0.0.2:7443', token: 'x' });
});

t.test('flags alone suffice when no config file was named', async (t) => {
  t.same(await loadConnection({ server: 'http://h:1', token: 'x' }, {}, '/home/u', files({})), { server: 'http://h:1', token: 'x' });
});

t.test('a missing or invalid config is a clear error naming the file', async (t) => {
  await t.rejects(loadConnection({}, {}, '/home/u', files({})), { code: 'SKIFF_ERR_CONFIG', message: /^cannot read client config \/home\/u\/\.skiff\/config: no such file/ });
  await t.rejects(loadConnection({ config: '/x', server: 'http://h:1', token: 'x' }, {}, '/h', files({})), { message: /^cannot read client config \/x: no such file/ }, 'a named file must exist');
  await t.rejects(loadConnection({ config: '/bad' }, {}, '/h', files({ '/bad': 'apiVersion: skiff/v1\nkind: ClientConfig\nserver: nope\nextra: 1\n' })), {
    message: /^invalid client config \/bad: .*(server|token).*; /,
  });
  await t.rejects(loadConnection({ config: '/bad' }, {}, '/h', files({ '/bad': 'server: [' })), { message: /^invalid client config \/bad: / });
  await t.rejects(loadConnection({ server: 'not a url', token: 'x' }, {}, '/h', files({})), { message: 'invalid server URL "not a url"' });
});
