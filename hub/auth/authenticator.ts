/**
 * Who is calling: turns a request's Authorization header into a UserInfo, or refuses it with 401
 * `Unauthorized` (as kube-apiserver, which never says why). Three kinds of credentials, tried in
 * this order:
 *   Bearer <admin token>          user "admin" in system:masters (the hub's own token, bootstrap.ts)
 *   Bearer skiff-sa.<...>         a ServiceAccount token from TokenRequest (service-account-tokens.ts)
 *   Basic <node>:<password>       a joined node's own credentials: user system:node:<node> in system:nodes
 */
import { SkiffError } from '../../shared/errors.js';
import { tokensEqual } from '../identity/secrets.js';
import { verifyNodeCredential } from '../identity/node-credentials.js';
import type { Store } from '../store/store.js';
import { authenticateServiceAccountToken, isServiceAccountToken } from './service-account-tokens.js';
import { ADMIN, nodeUser, type UserInfo } from './user.js';

export interface AuthenticatorOptions {
  store: Store;
  adminToken: string;
  now?: () => Date;
}

function unauthorized(): SkiffError {
  return new SkiffError('SKIFF_ERR_UNAUTHORIZED', 'Unauthorized');
}

export class Authenticator {
  private readonly now: () => Date;

  constructor(private readonly options: AuthenticatorOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** The user behind `authorization` (the raw header); throws SKIFF_ERR_UNAUTHORIZED. */
  async authenticate(authorization: string | undefined): Promise<UserInfo> {
    const header = authorization ?? '';
    if (header.startsWith('Bearer ')) {
      const token = header.slice(7).trim();
      if (token !== '' && tokensEqual(token, this.options.adminToken)) return ADMIN;
      if (isServiceAccountToken(token)) {
        const user = await authenticateServiceAccountToken(this.options.store, token, this.now());
        if (user) return user;
      }
      throw unauthorized();
    }
    if (header.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) throw unauthorized();
      const node = decoded.slice(0, colon);
      const password = decoded.slice(colon + 1);
      if (await verifyNodeCredential(this.options.store, node, password, this.now().getTime())) return nodeUser(node);
      throw unauthorized();
    }
    throw unauthorized();
  }
}
