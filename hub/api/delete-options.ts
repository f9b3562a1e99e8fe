/**
 * meta/v1 DeleteOptions as clients send them: kubectl puts them in the DELETE body (and older
 * clients in the query, `?gracePeriodSeconds=`), and policy/v1 Eviction carries them in
 * `deleteOptions`. gracePeriodSeconds and propagationPolicy (or the older orphanDependents)
 * change what the hub does; preconditions are accepted and not acted on yet. A bad value is a
 * 400 naming the field.
 */
import { SkiffError } from '../../shared/errors.js';
import type { DeleteOptions } from '../objects/deletion.js';

function gracePeriod(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `${field}: Invalid value: ${JSON.stringify(value)}: must be a whole number of seconds`, {
      details: [{ path: field, message: 'must be a whole number of seconds' }],
    });
  }
  // As the API server: a negative grace means "the object's own" (kubectl's --grace-period=-1).
  return n < 0 ? undefined : n;
}

function optionsFrom(body: unknown, field: string): DeleteOptions {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `${field}: Invalid value: must be a DeleteOptions object`, { details: [{ path: field, message: 'must be an object' }] });
  }
  const grace = gracePeriod((body as { gracePeriodSeconds?: unknown }).gracePeriodSeconds, `${field}.gracePeriodSeconds`.replace(/^\./, ''));
  const policy = propagation(body as { propagationPolicy?: unknown; orphanDependents?: unknown }, `${field}.propagationPolicy`.replace(/^\./, ''));
  return { ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}), ...(policy !== undefined ? { propagationPolicy: policy } : {}) };
}

const POLICIES = ['Orphan', 'Background', 'Foreground'] as const;

/** propagationPolicy, or the deprecated orphanDependents (true: Orphan), as the API server reads them. */
function propagation(options: { propagationPolicy?: unknown; orphanDependents?: unknown }, field: string): DeleteOptions['propagationPolicy'] {
  const value = options.propagationPolicy;
  if (value === undefined || value === null || value === '') return options.orphanDependents === true ? 'Orphan' : undefined;
  const policy = POLICIES.find((p) => p === value);
  if (!policy) {
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `${field}: Unsupported value: ${JSON.stringify(value)}: supported values: "Background", "Foreground", "Orphan"`, {
      details: [{ path: field, message: 'must be Background, Foreground or Orphan' }],
    });
  }
  if (options.orphanDependents !== undefined && options.orphanDependents !== null) {
    throw new SkiffError('SKIFF_ERR_INVALID', 'DeleteOptions is invalid: orphanDependents: Invalid value: orphanDependents and deletionPropagation cannot be both set', {
      details: [{ path: 'orphanDependents', message: 'orphanDependents and deletionPropagation cannot be both set' }],
    });
  }
  return policy;
}

/** A DELETE's options: the body's win over the query's, as the API server decodes them. */
export function deleteOptions(query: URLSearchParams, body: unknown): DeleteOptions {
  const fromQuery = gracePeriod(query.get('gracePeriodSeconds') ?? undefined, 'gracePeriodSeconds');
  const policyFromQuery = propagation({ propagationPolicy: query.get('propagationPolicy') ?? undefined }, 'propagationPolicy');
  const fromBody = optionsFrom(body, '');
  return { ...(fromQuery !== undefined ? { gracePeriodSeconds: fromQuery } : {}), ...(policyFromQuery !== undefined ? { propagationPolicy: policyFromQuery } : {}), ...fromBody };
}

/** A policy/v1 (or v1beta1) Eviction for the Pod `name`: its deleteOptions. */
export function evictionOptions(name: string, body: unknown): DeleteOptions {
  const eviction = body as { kind?: unknown; metadata?: { name?: unknown }; deleteOptions?: unknown } | null;
  if (typeof eviction !== 'object' || eviction === null || eviction.kind !== 'Eviction') {
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', 'the body of an eviction must be a policy/v1 Eviction', { details: [{ path: 'kind', message: 'must be Eviction' }] });
  }
  if (eviction.metadata?.name !== name) {
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `name in URL does not match name in Eviction object`, { details: [{ path: 'metadata.name', message: `must be ${JSON.stringify(name)}` }] });
  }
  return optionsFrom(eviction.deleteOptions, 'deleteOptions');
}
