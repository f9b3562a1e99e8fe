/**
 * `skiff taint`'s arguments and the change it makes to a Node's spec.taints, as kubectl 1.32's
 * taint command (k8s.io/kubectl/pkg/cmd/taint): `k=v:Effect` adds, `k:Effect-` removes one,
 * `k-` removes every effect of a key. kubectl never sets timeAdded (the node controller does, for
 * NoExecute), so neither does this.
 */
import { SkiffError } from '../../shared/errors.js';
import { labelValueErrors, qualifiedNameErrors } from './k8s-validation.js';

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
export type TaintEffect = (typeof TAINT_EFFECTS)[number];

export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect;
  timeAdded?: string;
}

/** A removal: without an effect it matches every taint of the key. */
export interface TaintRemoval {
  key: string;
  effect?: TaintEffect;
}

export interface TaintChanges {
  add: Taint[];
  remove: TaintRemoval[];
}

export type TaintOutcome = 'tainted' | 'untainted' | 'modified';

/** corev1.Taint.ToString. */
export function taintToString(t: { key: string; value?: string; effect?: string }): string {
  if (!t.effect) return t.value ? `${t.key}=${t.value}:` : t.key;
  return t.value ? `${t.key}=${t.value}:${t.effect}` : `${t.key}:${t.effect}`;
}

/**
 * taint.go's Complete: resources first, then taint arguments (anything with `=`, `:` or a
 * trailing `-`). Returns the resource words and the taint words.
 */
export function splitTaintArgs(args: readonly string[]): { resources: string[]; taints: string[] } {
  const resources: string[] = [];
  const taints: string[] = [];
  for (const arg of args) {
    const isTaint = arg.includes('=') || arg.includes(':') || arg.endsWith('-');
    if (isTaint) taints.push(arg);
    else if (taints.length > 0) throw new SkiffError('SKIFF_ERR_CONFIG', `all resources must be specified before taint changes: ${arg}`);
    else resources.push(arg);
  }
  if (resources.length < 1) throw new SkiffError('SKIFF_ERR_CONFIG', 'one or more resources must be specified as <resource> <name>');
  if (taints.length < 1) throw new SkiffError('SKIFF_ERR_CONFIG', 'at least one taint update is required');
  return { resources, taints };
}

function validateEffect(effect: string): TaintEffect {
  if (!(TAINT_EFFECTS as readonly string[]).includes(effect)) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `invalid taint effect: ${effect}, unsupported taint effect`);
  }
  return effect as TaintEffect;
}

/** taint.parseTaint: `key[=value]:Effect`. */
function parseTaint(spec: string): Taint {
  const parts = spec.split(':');
  if (parts.length !== 2) throw new SkiffError('SKIFF_ERR_CONFIG', `invalid taint spec: ${spec}`);
  const effect = validateEffect(parts[1]!);
  const keyValue = parts[0]!.split('=');
  if (keyValue.length > 2) throw new SkiffError('SKIFF_ERR_CONFIG', `invalid taint spec: ${spec}`);
  const key = keyValue[0]!;
  const value = keyValue[1];
  if (value !== undefined) {
    const errs = labelValueErrors(value);
    if (errs.length > 0) throw new SkiffError('SKIFF_ERR_CONFIG', `invalid taint spec: ${spec}, ${errs.join('; ')}`);
  }
  const keyErrs = qualifiedNameErrors(key);
  if (keyErrs.length > 0) throw new SkiffError('SKIFF_ERR_CONFIG', `invalid taint spec: ${spec}, ${keyErrs.join('; ')}`);
  return value ? { key, value, effect } : { key, effect };
}

/** taint.ParseTaints plus the add-and-remove conflict check of TaintOptions.validate. */
export function parseTaintChanges(specs: readonly string[]): TaintChanges {
  const add: Taint[] = [];
  const remove: TaintRemoval[] = [];
  for (const spec of specs) {
    if (spec.endsWith('-')) {
      const body = spec.slice(0, -1);
      const colon = body.indexOf(':');
      if (colon < 0) {
        remove.push({ key: body });
      } else {
        const effect = body.slice(colon + 1);
        remove.push(effect === '' ? { key: body.slice(0, colon) } : { key: body.slice(0, colon), effect: validateEffect(effect) });
      }
      continue;
    }
    const taint = parseTaint(spec);
    if (add.some((t) => t.key === taint.key && t.effect === taint.effect)) {
      throw new SkiffError('SKIFF_ERR_CONFIG', `duplicated taints with the same key and effect: ${taintToString(taint)}`);
    }
    add.push(taint);
  }
  const conflicts = remove
    .filter((r) => add.some((a) => a.key === r.key && (r.effect === undefined || a.effect === r.effect)))
    .map((r) => `{"${r.key}":"${r.effect ?? ''}"}`);
  if (conflicts.length > 0) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `can not both modify and remove the following taint(s) in the same command: ${conflicts.join(', ')}`);
  }
  return { add, remove };
}

/**
 * TaintOptions.updateTaints and reorganizeTaints: the new taint list and the word kubectl prints.
 * Throws, changing nothing, when a taint exists without --overwrite or a removal matches nothing.
 */
export function applyTaintChanges(current: readonly Taint[] | undefined, changes: TaintChanges, overwrite: boolean, nodeName: string): { taints: Taint[]; outcome: TaintOutcome } {
  const old = current ?? [];
  if (!overwrite) {
    const existing = changes.add.filter((t) => old.some((o) => o.key === t.key && o.effect === t.effect)).map((t) => t.key);
    if (existing.length > 0) {
      throw new SkiffError('SKIFF_ERR_CONFIG', `node ${nodeName} already has ${existing.join(',')} taint(s) with same effect(s) and --overwrite is false`);
    }
  }
  // The added taints first, then the old ones they do not replace (kubectl's order).
  let taints: Taint[] = [...changes.add, ...old.filter((o) => !changes.add.some((t) => t.key === o.key && t.effect === o.effect))];
  const added = taints.length !== old.length;
  const notFound: string[] = [];
  let deleted = false;
  for (const removal of changes.remove) {
    const kept = taints.filter((t) => !(t.key === removal.key && (removal.effect === undefined || t.effect === removal.effect)));
    // As kubectl: `deleted` reflects the last removal only.
    deleted = kept.length !== taints.length;
    if (!deleted) notFound.push(`taint "${taintToString(removal)}" not found`);
    taints = kept;
  }
  if (notFound.length === 1) throw new SkiffError('SKIFF_ERR_NOT_FOUND', notFound[0]!);
  if (notFound.length > 1) throw new SkiffError('SKIFF_ERR_NOT_FOUND', `[${notFound.join(', ')}]`);
  const outcome: TaintOutcome = (added && deleted) || overwrite ? 'modified' : added ? 'tainted' : 'untainted';
  return { taints, outcome };
}
