/**
 * The desired states the store-crash scenario writes, and the check of what it reads back. Every
 * part of a state carries its generation (Pod names, uids, annotations, a Secret's data), so a
 * state torn between two writes, or a payload whose row says another generation, shows up as a
 * mismatch instead of passing as "some valid state".
 */
import type { DesiredState } from '../../shared/mqtt/messages.js';

export const CHURN_NODE = 'chaos-store';
/** Pods per state: about 40 KB of JSON, so a write takes long enough to be killed in the middle. */
export const CHURN_PODS = 40;

export function churnState(generation: number): DesiredState {
  return {
    schema: 1,
    node: CHURN_NODE,
    generation,
    pods: Array.from({ length: CHURN_PODS }, (_, i) => ({
      metadata: { name: `p${i}-g${generation}`, namespace: 'default', uid: `uid-${i}-${generation}`, annotations: { generation: String(generation), filler: 'x'.repeat(800) } },
      spec: { containers: [{ name: 'web', image: 'skiff-test/web:1' }] },
    })),
    config: [{ kind: 'Secret', namespace: 'default', name: 'churn', type: 'Opaque', data: { generation: Buffer.from(String(generation)).toString('base64') } }],
  };
}

/** What is wrong with `state` as the one whole state of its own generation (empty: nothing). */
export function churnProblems(state: DesiredState): string[] {
  const problems: string[] = [];
  const expected = churnState(state.generation);
  if (state.node !== CHURN_NODE) problems.push(`node ${state.node}`);
  if (JSON.stringify(state.pods) !== JSON.stringify(expected.pods)) problems.push(`pods are not those of generation ${state.generation}`);
  const secret = state.config?.find((o) => o.kind === 'Secret');
  if (secret?.data.generation !== expected.config![0]!.data.generation) problems.push(`the Secret (unsealed) is not that of generation ${state.generation}`);
  return problems;
}
