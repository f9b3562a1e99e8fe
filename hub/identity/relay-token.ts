/**
 * The token agents present to each other's service relays (agent/services/relay.ts), published in
 * the Services view every node reads. Derived one-way from the join credential, with its own
 * label, so it is stable across hub restarts, changes when the join credential is rotated, and
 * reveals nothing of the credential: a holder of the join token could join the fleet anyway.
 */
import { createHash } from 'node:crypto';

export function relayTokenOf(joinCredential: string): string {
  return createHash('sha256').update('skiff service relay\u0000').update(joinCredential).digest('hex');
}
