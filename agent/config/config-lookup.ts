/**
 * The ConfigMaps and Secrets the hub sent this node (DesiredState.config), looked up by kind,
 * namespace and name. One type shared by env resolution, volumes (agent/volumes) and pull
 * secrets, so that all three see the same snapshot: the one of the desired state being acted on.
 */
import type { DesiredConfigObject, DesiredState } from '../../shared/mqtt/messages.js';

export type ConfigKind = DesiredConfigObject['kind'];

/** undefined: the hub sent no such object (it does not exist, or no Pod here refers to it). */
export type ConfigLookup = (kind: ConfigKind, namespace: string, name: string) => DesiredConfigObject | undefined;

/** A lookup over `objects` (the desired state's `config`; absent means none). */
export function configLookup(objects: readonly DesiredConfigObject[] | undefined): ConfigLookup {
  const byKey = new Map<string, DesiredConfigObject>();
  for (const object of objects ?? []) byKey.set(`${object.kind}/${object.namespace}/${object.name}`, object);
  return (kind, namespace, name) => byKey.get(`${kind}/${namespace}/${name}`);
}

/** The lookup of a desired state, cached per state object (the loop asks every pass). */
const lookups = new WeakMap<DesiredState, ConfigLookup>();
export function lookupOf(state: DesiredState | undefined): ConfigLookup {
  if (!state) return () => undefined;
  let lookup = lookups.get(state);
  if (!lookup) {
    lookup = configLookup(state.config);
    lookups.set(state, lookup);
  }
  return lookup;
}

/** One key's value as text (data is base64 on the wire for both kinds). */
export function decodedValue(object: DesiredConfigObject, key: string): string | undefined {
  const encoded = object.data[key];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}
