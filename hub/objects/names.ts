/**
 * Kubernetes' naming helpers: generateName suffixes and the pod-template-hash, both spelled in
 * k8s.io/apimachinery's "safe" alphabet (no vowels, no confusable characters), so names look
 * exactly like Kubernetes' (nginx-deployment-86dcfdf4c6-7x2wq).
 */
import { randomInt } from 'node:crypto';
import { canonicalJson } from '../../shared/canonical-json.js';

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** rand.String(5): the suffix Kubernetes appends to generateName. */
export function randomSuffix(length = 5, random: (max: number) => number = randomInt): string {
  let out = '';
  for (let i = 0; i < length; i++) out += SAFE_ALPHABET[random(SAFE_ALPHABET.length)];
  return out;
}

/** rand.SafeEncodeString: maps each character through the alphabet by its code. */
export function safeEncodeString(text: string): string {
  let out = '';
  for (const ch of text) out += SAFE_ALPHABET[ch.charCodeAt(0) % SAFE_ALPHABET.length];
  return out;
}

/** 32-bit FNV-1a, the hash Kubernetes uses for pod-template-hash. */
export function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * controller.ComputeHash: FNV-1a over the template (plus collisionCount when set), printed as a
 * decimal number and safe-encoded. Kubernetes hashes Go's printed struct; Skiff hashes canonical
 * JSON, so values differ from a real cluster's but have the same form and stability.
 */
export function podTemplateHash(template: unknown, collisionCount?: number): string {
  const input = canonicalJson(template) + (collisionCount !== undefined ? String(collisionCount) : '');
  return safeEncodeString(String(fnv32a(input)));
}
