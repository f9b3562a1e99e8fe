/**
 * A kubernetes.io/tls Secret as the ingress proxy needs it: the PEM certificate chain (tls.crt)
 * and key (tls.key), or undefined when the Secret is missing, of another type, or lacks either.
 */
import type { DesiredConfigObject } from '../../shared/mqtt/messages.js';
import { decodedValue } from '../config/config-lookup.js';
import type { TlsPair } from './ingress-proxy.js';

export const TLS_SECRET_TYPE = 'kubernetes.io/tls';

export function tlsPairOf(secret: DesiredConfigObject | undefined): TlsPair | undefined {
  if (secret?.kind !== 'Secret' || secret.type !== TLS_SECRET_TYPE) return undefined;
  const cert = decodedValue(secret, 'tls.crt');
  const key = decodedValue(secret, 'tls.key');
  return cert && key ? { cert, key } : undefined;
}
