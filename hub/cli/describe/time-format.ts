/**
 * Time as kubectl's describers print it: Go's time.RFC1123Z layout ("Mon, 02 Jan 2006 15:04:05
 * -0700") in the local zone, and ages with duration.HumanDuration.
 */
import { timestampSince } from '../../printers/human-duration.js';

/** What every describer needs to be deterministic: the instant ages are measured from, and the zone. */
export interface DescribeClock {
  now: Date;
  /** Minutes east of UTC to print timestamps in; omitted: the machine's zone at each instant (Go's time.Local). */
  utcOffsetMinutes?: number;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** What Go prints for a zero metav1.Time (a field that was never set). */
export const ZERO_TIME = 'Mon, 01 Jan 0001 00:00:00 +0000';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function rfc1123z(date: Date, utcOffsetMinutes = -date.getTimezoneOffset()): string {
  const shifted = new Date(date.getTime() + utcOffsetMinutes * 60_000);
  const sign = utcOffsetMinutes < 0 ? '-' : '+';
  const offset = Math.abs(utcOffsetMinutes);
  return (
    `${DAYS[shifted.getUTCDay()]}, ${pad(shifted.getUTCDate())} ${MONTHS[shifted.getUTCMonth()]} ${pad(shifted.getUTCFullYear(), 4)} ` +
    `${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}:${pad(shifted.getUTCSeconds())} ${sign}${pad(Math.trunc(offset / 60))}${pad(offset % 60)}`
  );
}

/** A stored timestamp in RFC1123Z; a missing or unparsable one prints as Go's zero time does. */
export function formatTime(timestamp: string | null | undefined, clock: DescribeClock): string {
  const at = timestamp ? Date.parse(timestamp) : Number.NaN;
  if (Number.isNaN(at)) return ZERO_TIME;
  const date = new Date(at);
  return rfc1123z(date, clock.utcOffsetMinutes ?? -date.getTimezoneOffset());
}

/** translateTimestampSince: "<unknown>" for a missing timestamp, else the human age. */
export function since(timestamp: string | null | undefined, clock: DescribeClock): string {
  return timestampSince(timestamp, clock.now);
}
