/**
 * Label selectors as Kubernetes defines them: the structured form used in manifests
 * (matchLabels + matchExpressions) and the string form used on the command line and in
 * `?labelSelector=` ("app=web,tier!=db,env in (a,b),!legacy").
 */
export type Labels = Record<string, string>;

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface SelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: SelectorRequirement[];
}

/** A selector flattened to requirements; string operators '=' and '!=' map to In / NotIn. */
export type Requirements = SelectorRequirement[];

export function requirementsOf(selector: LabelSelector): Requirements {
  const fromLabels = Object.entries(selector.matchLabels ?? {}).map(
    ([key, value]): SelectorRequirement => ({ key, operator: 'In', values: [value] }),
  );
  return [...fromLabels, ...(selector.matchExpressions ?? [])];
}

export function matches(requirements: Requirements, labels: Labels | undefined): boolean {
  const have = labels ?? {};
  return requirements.every((req) => {
    const present = Object.prototype.hasOwnProperty.call(have, req.key);
    switch (req.operator) {
      case 'In':
        return present && (req.values ?? []).includes(have[req.key]!);
      case 'NotIn':
        return !present || !(req.values ?? []).includes(have[req.key]!);
      case 'Exists':
        return present;
      case 'DoesNotExist':
        return !present;
    }
  });
}

export function selectorMatches(selector: LabelSelector, labels: Labels | undefined): boolean {
  return matches(requirementsOf(selector), labels);
}

/**
 * Parses the string form. Throws a RangeError naming the offending term.
 * Grammar (k8s.io/apimachinery/pkg/labels): term ("," term)*, where a term is
 * key | !key | key=value | key==value | key!=value | key in (v1,v2) | key notin (v1,v2).
 */
export function parseSelector(text: string): Requirements {
  const requirements: Requirements = [];
  for (const term of splitTerms(text)) {
    const setMatch = /^([^\s!=(),]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    if (setMatch) {
      const values = setMatch[3]!.split(',').map((v) => v.trim()).filter((v) => v !== '');
      requirements.push({ key: setMatch[1]!, operator: setMatch[2] === 'in' ? 'In' : 'NotIn', values });
      continue;
    }
    const eqMatch = /^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/.exec(term);
    if (eqMatch) {
      const operator = eqMatch[2] === '!=' ? 'NotIn' : 'In';
      requirements.push({ key: eqMatch[1]!, operator, values: [eqMatch[3]!] });
      continue;
    }
    const existsMatch = /^(!?)([^\s!=(),]+)$/.exec(term);
    if (existsMatch) {
      requirements.push({ key: existsMatch[2]!, operator: existsMatch[1] ? 'DoesNotExist' : 'Exists' });
      continue;
    }
    throw new RangeError(`unable to parse label selector term ${JSON.stringify(term)}`);
  }
  return requirements;
}

/** Splits on commas that are not inside a parenthesised value set. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  if (current.trim() !== '' || terms.length > 0) terms.push(current.trim());
  if (terms.some((t) => t === '')) throw new RangeError(`found '', expected: identifier after ',' in ${JSON.stringify(text)}`);
  return terms;
}

/** "app=web,tier=db" for tables and messages. */
export function formatLabels(labels: Labels | undefined): string {
  // labels.Set.String(): sorted by key, so the same set always prints the same.
  const entries = Object.entries(labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length === 0 ? '<none>' : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

/** The string form of a structured selector (for `-o wide` SELECTOR columns and queries). */
export function formatSelector(selector: LabelSelector | undefined): string {
  if (!selector) return '<none>';
  const parts = requirementsOf(selector).map((req) => {
    switch (req.operator) {
      case 'In':
        return req.values?.length === 1 ? `${req.key}=${req.values[0]}` : `${req.key} in (${(req.values ?? []).join(',')})`;
      case 'NotIn':
        return req.values?.length === 1 ? `${req.key}!=${req.values[0]}` : `${req.key} notin (${(req.values ?? []).join(',')})`;
      case 'Exists':
        return req.key;
      case 'DoesNotExist':
        return `!${req.key}`;
    }
  });
  return parts.length === 0 ? '<none>' : parts.join(',');
}
