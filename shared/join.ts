/**
 * The HTTP exchanges between an agent and the hub's identity endpoints: joining (the cluster join
 * token traded for the node's own credentials), renewing those credentials before they expire,
 * and the admin's bootstrap-token API behind `skiff token`.
 */
export const JOIN_PATH = '/skiff/v1/join';
/** POST with HTTP Basic `node:password` (the current credentials): answers a fresh JoinResponse. */
export const RENEW_PATH = '/skiff/v1/renew';
/** GET (list) and POST (create) bootstrap tokens; DELETE `${TOKENS_PATH}/ID` revokes one. Admin only. */
export const TOKENS_PATH = '/skiff/v1/tokens';

export interface JoinRequest {
  token: string;
  nodeName: string;
}

export interface JoinResponse {
  nodeName: string;
  /** MQTT port of the hub's broker; the agent dials it on the host of the URL it joined. */
  mqttPort: number;
  /**
   * The broker to dial instead (mqtt:// or mqtts://), when the hub uses an external one
   * (issue #11, `skiff hub --mqtt-url`); its certificate chains to the same CA as the hub's.
   */
  mqttUrl?: string;
  /** MQTT credentials for this node only: the broker lets them touch only this node's topics. */
  username: string;
  password: string;
  /**
   * When the password stops being accepted (RFC 3339); the agent renews well before. Absent
   * only in credentials saved by a Skiff that did not expire them.
   */
  expiresAt?: string;
}

/** A bootstrap token as `skiff token list` shows it: never its secret. */
export interface BootstrapTokenInfo {
  id: string;
  description: string;
  createdAt: string;
  /** RFC 3339; absent for a token created with `--ttl 0` (never expires). */
  expiresAt?: string;
  usageCount: number;
  lastUsedAt?: string;
}

export interface CreateTokenRequest {
  /** Lifetime in milliseconds; 0 means never expires; absent means the default (24 h, as kubeadm). */
  ttlMs?: number;
  description?: string;
}

/** The answer to a create: the only time the full token (K10 form when the hub has a CA) is shown. */
export interface CreatedToken extends BootstrapTokenInfo {
  token: string;
}
