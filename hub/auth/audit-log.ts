/**
 * The API audit log: one audit.k8s.io/v1 Event per line, at Metadata level, for every write
 * (create, update, patch, delete, deletecollection, subresource POSTs) and every denied request
 * (401 and 403). Metadata level never carries request or response bodies, so Secret values cannot
 * reach this file. Written to DATA/audit.log (mode 0600) or stdout (`--audit-log-path -`).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { RequestAttributes } from './request-attributes.js';
import type { UserInfo } from './user.js';

export interface AuditEvent {
  kind: 'Event';
  apiVersion: 'audit.k8s.io/v1';
  level: 'Metadata';
  auditID: string;
  stage: 'ResponseComplete';
  requestURI: string;
  verb: string;
  user: { username?: string; uid?: string; groups?: string[] };
  impersonatedUser?: { username: string; uid?: string; groups: string[] };
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: { resource: string; namespace?: string; name?: string; apiGroup?: string; apiVersion?: string; subresource?: string };
  responseStatus: { metadata: Record<string, never>; code: number; status?: 'Failure'; reason?: string; message?: string };
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

export interface AuditRecord {
  auditID: string;
  requestURI: string;
  /** Undefined when authentication failed. */
  user?: UserInfo;
  /** Who the request acted as, when it impersonated someone (hub/auth/impersonation.ts). */
  impersonatedUser?: UserInfo;
  request: RequestAttributes;
  sourceIP: string;
  userAgent?: string;
  code: number;
  /** The Status of a failed request: reason and message only (never a body). */
  failure?: { reason: string; message: string };
  /** Whether the authorizer allowed it; undefined when it was never asked (401). */
  authorized?: boolean;
  received: Date;
  completed: Date;
}

/** Metadata-level audit policy: writes always, reads only when denied. */
export function shouldAudit(record: Pick<AuditRecord, 'request' | 'code'>): boolean {
  const read = ['get', 'list', 'watch'].includes(record.request.verb);
  return !read || record.code === 401 || record.code === 403;
}

/** Microseconds, as kube-apiserver writes them. */
function microTime(at: Date): string {
  return at.toISOString().replace(/Z$/, '000Z');
}

function userOf(user: UserInfo): { username: string; uid?: string; groups: string[] } {
  return { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups };
}

export function auditEvent(record: AuditRecord): AuditEvent {
  const r = record.request;
  const objectRef =
    r.kind === 'resource'
      ? {
          resource: r.resource,
          ...(r.namespace ? { namespace: r.namespace } : {}),
          ...(r.name ? { name: r.name } : {}),
          apiGroup: r.apiGroup,
          apiVersion: r.apiVersion,
          ...(r.subresource ? { subresource: r.subresource } : {}),
        }
      : undefined;
  const annotations: Record<string, string> = {};
  if (record.authorized !== undefined) annotations['authorization.k8s.io/decision'] = record.authorized ? 'allow' : 'forbid';
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: record.auditID,
    stage: 'ResponseComplete',
    requestURI: record.requestURI,
    verb: r.verb,
    user: record.user ? userOf(record.user) : {},
    ...(record.impersonatedUser ? { impersonatedUser: userOf(record.impersonatedUser) } : {}),
    sourceIPs: [record.sourceIP],
    ...(record.userAgent ? { userAgent: record.userAgent } : {}),
    ...(objectRef ? { objectRef } : {}),
    responseStatus: {
      metadata: {},
      code: record.code,
      ...(record.failure ? { status: 'Failure' as const, reason: record.failure.reason, message: record.failure.message } : {}),
    },
    requestReceivedTimestamp: microTime(record.received),
    stageTimestamp: microTime(record.completed),
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
}

export interface AuditSink {
  write(record: AuditRecord): void;
  close(): Promise<void>;
}

/** Appends to `path`, or writes to stdout for `-`. Write errors are reported to `onError`, never thrown into a request. */
export function openAuditLog(path: string, onError: (err: Error) => void): AuditSink {
  const stream: WriteStream | NodeJS.WriteStream = path === '-' ? process.stdout : createWriteStream(path, { flags: 'a', mode: 0o600 });
  stream.on('error', onError);
  return {
    write(record) {
      if (shouldAudit(record)) stream.write(`${JSON.stringify(auditEvent(record))}\n`);
    },
    close() {
      if (stream === process.stdout) return Promise.resolve();
      return new Promise((resolve) => (stream as WriteStream).end(() => resolve()));
    },
  };
}
