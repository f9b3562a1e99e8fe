/**
 * The desired state as stored in agent.db: every Secret's `data` sealed (config/secret-box.ts),
 * ConfigMaps as they came. Pure but for the cipher; the store applies it on save and load.
 */
import type { DesiredConfigObject, DesiredState } from '../../shared/mqtt/messages.js';
import type { SecretBox } from '../config/secret-box.js';

/** A Secret at rest: no `data`, only the sealed JSON of it. */
interface SealedSecret extends Omit<DesiredConfigObject, 'data'> {
  data: Record<string, never>;
  sealedData: string;
}

export function sealDesired(state: DesiredState, box: SecretBox): DesiredState {
  if (!state.config?.some((o) => o.kind === 'Secret')) return state;
  const config = state.config.map((object): DesiredConfigObject | SealedSecret =>
    object.kind === 'Secret' ? { ...object, data: {}, sealedData: box.seal(JSON.stringify(object.data)) } : object,
  );
  return { ...state, config: config as DesiredConfigObject[] };
}

export function openDesired(state: DesiredState, box: SecretBox): DesiredState {
  if (!state.config?.some((o) => 'sealedData' in o)) return state;
  const config = state.config.map((object) => {
    const sealed = object as DesiredConfigObject & Partial<SealedSecret>;
    if (sealed.sealedData === undefined) return object;
    const { sealedData, ...rest } = sealed;
    return { ...rest, data: JSON.parse(box.open(sealedData)) as Record<string, string> };
  });
  return { ...state, config };
}
