/**
 * A warning that may repeat at a flood's rate (a node's publishes delayed by its budget, its
 * undecodable reports dropped): logged on the first occurrence, then at most once per interval
 * with the count since the last line, so a misbehaving node costs a log line per interval, never
 * one per message. Pure: the caller passes the time.
 */
export class ThrottledNotice {
  private sinceLine = 0;
  private lastLineAt: number | undefined;

  constructor(private readonly intervalMs: number) {}

  /** Records one occurrence; returns how many to report now, or undefined to stay quiet. */
  record(now: number): number | undefined {
    this.sinceLine++;
    if (this.lastLineAt !== undefined && now - this.lastLineAt < this.intervalMs) return undefined;
    const count = this.sinceLine;
    this.sinceLine = 0;
    this.lastLineAt = now;
    return count;
  }
}
