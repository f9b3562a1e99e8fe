/**
 * Where the hub keeps its objects, as k3s's `--datastore-endpoint` says it: a PostgreSQL URL
 * (`postgres://user:password@host:5432/db`, also `postgresql://`), or a SQLite file
 * (`sqlite:/var/lib/skiff/hub/hub.db`, or `sqlite:///abs/path`). No endpoint: the SQLite file in
 * the hub's data dir. Pure, so that a bad value is refused before anything starts.
 */
import { SkiffError } from '../../shared/errors.js';

export type Datastore = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

export function parseDatastoreEndpoint(value: string, from: string): Datastore {
  const trimmed = value.trim();
  if (/^postgres(ql)?:\/\//i.test(trimmed)) {
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      throw new SkiffError('SKIFF_ERR_CONFIG', `invalid value for ${from}: not a valid postgres:// URL`);
    }
    if (!url.hostname) throw new SkiffError('SKIFF_ERR_CONFIG', `invalid value for ${from}: the postgres:// URL names no host`);
    if (url.pathname.length <= 1) throw new SkiffError('SKIFF_ERR_CONFIG', `invalid value for ${from}: the postgres:// URL names no database (postgres://user:password@host:5432/DATABASE)`);
    return { kind: 'postgres', url: trimmed };
  }
  if (/^sqlite:/i.test(trimmed)) {
    const file = trimmed.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (file === '' || file === '//') throw new SkiffError('SKIFF_ERR_CONFIG', `invalid value for ${from}: sqlite: needs a file path (sqlite:/var/lib/skiff/hub/hub.db)`);
    return { kind: 'sqlite', file };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1];
  throw new SkiffError(
    'SKIFF_ERR_CONFIG',
    `invalid value for ${from}: ${scheme ? `unsupported datastore "${scheme}"` : 'not a datastore URL'}; use postgres://user:password@host:5432/database or sqlite:/path/to/hub.db`,
  );
}

/** The endpoint as logs and messages may show it: a PostgreSQL password is masked. */
export function describeDatastore(store: Datastore): string {
  if (store.kind === 'sqlite') return `sqlite:${store.file}`;
  try {
    const url = new URL(store.url);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(unparseable)';
  }
}
