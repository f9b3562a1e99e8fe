/** Go-style durations for flags like `--timeout=60s`, as kubectl and kubelet take them ("1m30s", "500ms"). */
import { SkiffError } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDurationMs(text: string, flag: string): number {
  if (text === '0') return 0;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `invalid argument "${text}" for "${flag}" flag: a duration like 30s, 2m or 1m30s is expected`);
  }
  return parts.reduce((ms, p) => ms + Number(p[1]) * UNIT_MS[p[2]!]!, 0);
}
