/**
 * Authentication, authorization and audit for the API server, in one place so that server.ts
 * only calls `begin` / `admit` / `answer` / `complete` around its routing:
 *   begin     per request: audit ID, received time, the RequestAttributes of method and path
 *   admit     401 unless authenticated, 403 (kube-apiserver's message) unless authorized
 *   answer    the endpoints that belong to authentication itself (TokenRequest, access reviews)
 *   complete  one audit line for a write or a denial
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isSkiffError } from '../../shared/errors.js';
import type { Store } from '../store/store.js';
import {
  isLocalSubjectAccessReview,
  localSubjectAccessReview,
  SELF_SUBJECT_ACCESS_REVIEW_PATH,
  SELF_SUBJECT_REVIEW_PATH,
  SELF_SUBJECT_RULES_REVIEW_PATH,
  selfSubjectAccessReview,
  selfSubjectRulesReview,
  selfSubjectReview,
} from './access-review.js';
import type { AuditSink } from './audit-log.js';
import { Authenticator } from './authenticator.js';
import { Authorizer } from './authorizer.js';
import { impersonatedUser } from './impersonation.js';
import { confirmNoEscalation, escalationLookups } from './escalation.js';
import { forbiddenError, forbiddenTarget } from './forbidden.js';
import { requestAttributes, type RequestAttributes } from './request-attributes.js';
import { createServiceAccountToken } from './service-account-tokens.js';
import type { UserInfo } from './user.js';

/** What the gate knows about one request, from `begin` to `complete`. */
export interface AuthContext {
  auditID: string;
  received: Date;
  requestURI: string;
  sourceIP: string;
  userAgent?: string;
  attributes: RequestAttributes;
  /** Who the request acts as: the authenticated user, or whom they impersonate. */
  user?: UserInfo;
  /** The authenticated user, when `user` is someone they impersonate. */
  requester?: UserInfo;
  authorized?: boolean;
  failure?: { reason: string; message: string };
}

export interface GateOptions {
  store: Store;
  adminToken: string;
  audit?: AuditSink;
  now?: () => Date;
}

export class ApiGate {
  readonly authorizer: Authorizer;
  private readonly authenticator: Authenticator;
  private readonly now: () => Date;

  constructor(private readonly options: GateOptions) {
    this.now = options.now ?? (() => new Date());
    this.authenticator = new Authenticator({ store: options.store, adminToken: options.adminToken, now: this.now });
    this.authorizer = new Authorizer(options.store);
  }

  begin(req: IncomingMessage, url: URL, res?: ServerResponse): AuthContext {
    const auditID = randomUUID();
    res?.setHeader('Audit-Id', auditID); // as kube-apiserver: lets a client quote the audit line of its request
    return {
      auditID,
      received: this.now(),
      requestURI: `${url.pathname}${url.search}`,
      sourceIP: req.socket.remoteAddress ?? '',
      ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
      attributes: requestAttributes(req.method ?? 'GET', url),
    };
  }

  /**
   * Throws SKIFF_ERR_UNAUTHORIZED or SKIFF_ERR_FORBIDDEN (and sets `context.target` for the
   * Status details of a 403) unless the request may go on.
   */
  async admit(req: IncomingMessage, context: { auth: AuthContext; target?: { kind: string; group?: string; name?: string } }): Promise<UserInfo> {
    const auth = context.auth;
    try {
      auth.user = await this.authenticator.authenticate(req.headers.authorization);
      const impersonated = await impersonatedUser(auth.user, req.headers, (user, request) => this.authorizer.authorize(user, request));
      if (impersonated) {
        auth.requester = auth.user;
        auth.user = impersonated;
      }
    } catch (err) {
      if (isSkiffError(err)) auth.failure = { reason: err.reason, message: err.message };
      throw err;
    }
    const decision = await this.authorizer.authorize(auth.user, auth.attributes);
    auth.authorized = decision.allowed;
    if (!decision.allowed) {
      const error = forbiddenError(auth.user, auth.attributes, decision.reason);
      auth.failure = { reason: error.reason, message: error.message };
      const target = forbiddenTarget(auth.attributes);
      if (target) context.target = target;
      throw error;
    }
    return auth.user;
  }

  /**
   * Throws a 403 (and records it for the audit line) when a Role, ClusterRole or binding written by
   * this request would grant more than its author holds: hub/auth/escalation.ts.
   */
  async confirmNoEscalation(auth: AuthContext, body: unknown): Promise<void> {
    try {
      await confirmNoEscalation(auth.user!, auth.attributes, body, escalationLookups(this.authorizer, this.options.store));
    } catch (err) {
      if (isSkiffError(err)) auth.failure = { reason: err.reason, message: err.message };
      throw err;
    }
  }

  /** Answers the authentication endpoints; undefined for every other request. */
  async answer(auth: AuthContext, readBody: () => Promise<unknown>): Promise<{ code: number; body: object } | undefined> {
    const a = auth.attributes;
    const user = auth.user!;
    if (a.kind !== 'resource' || a.verb !== 'create') return undefined;
    if (a.apiGroup === '' && a.apiVersion === 'v1' && a.resource === 'serviceaccounts' && a.subresource === 'token' && a.name !== '' && a.namespace !== '') {
      return { code: 201, body: await createServiceAccountToken(this.options.store, a.namespace, a.name, await readBody(), this.now()) };
    }
    const path = auth.requestURI.split('?')[0];
    if (path === SELF_SUBJECT_ACCESS_REVIEW_PATH) return { code: 201, body: await selfSubjectAccessReview(this.authorizer, user, await readBody()) };
    if (path === SELF_SUBJECT_REVIEW_PATH) return { code: 201, body: selfSubjectReview(user, this.now()) };
    if (path === SELF_SUBJECT_RULES_REVIEW_PATH) return { code: 201, body: await selfSubjectRulesReview(this.authorizer, user, await readBody()) };
    // `create localsubjectaccessreviews` in the namespace was authorized by `admit`, as any create.
    if (isLocalSubjectAccessReview(a)) return { code: 201, body: await localSubjectAccessReview(this.authorizer, a.namespace, await readBody()) };
    return undefined;
  }

  /** Records the finished request in the audit log (writes and denials only, see audit-log.ts). */
  complete(auth: AuthContext, code: number): void {
    this.options.audit?.write({
      auditID: auth.auditID,
      requestURI: auth.requestURI,
      ...(auth.requester ? { user: auth.requester, ...(auth.user ? { impersonatedUser: auth.user } : {}) } : auth.user ? { user: auth.user } : {}),
      request: auth.attributes,
      sourceIP: auth.sourceIP,
      ...(auth.userAgent ? { userAgent: auth.userAgent } : {}),
      code,
      ...(auth.failure && (code === 401 || code === 403) ? { failure: auth.failure } : {}),
      ...(auth.authorized !== undefined ? { authorized: auth.authorized } : {}),
      received: auth.received,
      completed: this.now(),
    });
  }
}
