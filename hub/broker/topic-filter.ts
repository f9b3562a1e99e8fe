/**
 * MQTT topic filters for the broker's persistence (MQTT 3.1.1 §4.7): which retained topics and
 * which stored subscriptions a filter or topic matches. Pure functions, no broker state.
 */

/** `+` matches one level, `#` (last) matches the parent and any number of levels below. */
export function hasWildcard(filter: string): boolean {
  return filter.includes('+') || filter.includes('#');
}

/**
 * Whether `topic` (a name, no wildcards) matches `filter`. A filter starting with a wildcard
 * does not match a topic starting with `$` ([MQTT-4.7.2-1]); empty levels are levels ([MQTT-4.7.1-3]).
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const filterLevels = filter.split('/');
  const topicLevels = topic.split('/');
  for (let i = 0; i < filterLevels.length; i++) {
    const level = filterLevels[i];
    if (level === '#') return true; // also matches the parent level: 'a/#' matches 'a'
    if (i >= topicLevels.length) return false;
    if (level !== '+' && level !== topicLevels[i]) return false;
  }
  return filterLevels.length === topicLevels.length;
}

/**
 * Text every topic matching `filter` starts with: the levels before the first wildcard (with the
 * separator after them for `+`; not for `#`, which also matches the parent). Lets a store narrow
 * a scan to one key range before testing each candidate with topicMatches.
 */
export function literalPrefix(filter: string): string {
  const levels = filter.split('/');
  const firstWildcard = levels.findIndex((level) => level === '+' || level === '#');
  if (firstWildcard === -1) return filter;
  const literal = levels.slice(0, firstWildcard).join('/');
  if (firstWildcard === 0) return '';
  return levels[firstWildcard] === '+' ? `${literal}/` : literal;
}
