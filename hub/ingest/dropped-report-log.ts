/**
 * Warnings about what a node sent and the hub dropped (an undecodable report, one naming another
 * node): one line per node and kind of problem at most every interval, with the count since the
 * last line. A node may publish 2,000 messages a second within its broker budget
 * (DEFAULTS.broker); if every one is junk, the hub's log gets a line per interval, not 2,000 a
 * second.
 */
import type { Logger } from '../../shared/log.js';
import { ThrottledNotice } from '../throttled-notice.js';

/** How often the same problem from the same node is logged again. */
const INTERVAL_MS = 10_000;

export class DroppedReportLog {
  private readonly notices = new Map<string, ThrottledNotice>();

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Logs `message` with `fields` (and `dropped`, the count since the last line) when it is due. */
  warn(node: string, fields: Record<string, unknown>, message: string): void {
    const key = `${node}\u0000${message}`;
    let notice = this.notices.get(key);
    if (!notice) this.notices.set(key, (notice = new ThrottledNotice(INTERVAL_MS)));
    const dropped = notice.record(this.now());
    if (dropped !== undefined) this.log.warn({ ...fields, dropped }, message);
  }
}
