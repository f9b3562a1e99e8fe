/**
 * The hub's records other than objects (node credentials, join tokens) as both backends keep
 * them: the same columns in SQLite and PostgreSQL, read back into the Store's types here once.
 */
import type { BootstrapToken, NodeCredential } from './store.js';

export interface CredentialRow {
  node: string;
  password_hash: string;
  created_at: string;
  expires_at: string | null;
  previous_password_hash: string | null;
  previous_expires_at: string | null;
}

export interface BootstrapTokenRow {
  id: string;
  secret_hash: string;
  description: string;
  created_at: string;
  expires_at: string | null;
  /** INTEGER: a number from either backend. */
  usage_count: number;
  last_used_at: string | null;
}

export function credentialFromRow(row: CredentialRow): NodeCredential {
  return {
    node: row.node,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    ...(row.expires_at !== null ? { expiresAt: row.expires_at } : {}),
    ...(row.previous_password_hash !== null ? { previousPasswordHash: row.previous_password_hash } : {}),
    ...(row.previous_expires_at !== null ? { previousExpiresAt: row.previous_expires_at } : {}),
  };
}

export function tokenFromRow(row: BootstrapTokenRow): BootstrapToken {
  return {
    id: row.id,
    secretHash: row.secret_hash,
    description: row.description,
    createdAt: row.created_at,
    ...(row.expires_at !== null ? { expiresAt: row.expires_at } : {}),
    usageCount: row.usage_count,
    ...(row.last_used_at !== null ? { lastUsedAt: row.last_used_at } : {}),
  };
}
