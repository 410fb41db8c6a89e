// Spans exported per request, per mode and route. A mode's BatchSpanProcessor sends a run's last spans
// up to 5 s after the run (OTEL_BSP_SCHEDULE_DELAY, left at its default in every mode), so the spans the
// sink received for a mode between the start of one of its runs and the start of its next run belong to
// the first one's route, provided the next run starts at least that long after: the other modes' runs
// in between usually take longer; when they do not (--quick), the next run waits.
const EXPORT_DELAY_MS = 6_000;

export class SpanAttribution {
  /** `servedOf(mode)` resolves with the requests the mode's app has served so far. */
  constructor(sinkUrl, servedOf) {
    this.sinkUrl = sinkUrl;
    this.servedOf = servedOf;
    this.ended = new Map(); // mode -> Date.now() when its last run ended
    this.counted = new Map(); // mode -> { spans, served } when its current run started
    this.current = new Map(); // mode -> route of its current run, or null for requests not reported
    this.totals = new Map(); // `${mode} ${route}` -> { spans, requests }
  }

  async sinkCounts() {
    const response = await fetch(`${this.sinkUrl}/counts`);
    return response.json();
  }

  /** Call before sending `mode` load on `route` (null: requests whose spans are not reported). */
  async runStarts(mode, route) {
    const wait = (this.ended.get(mode) ?? 0) + EXPORT_DELAY_MS - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const { spans, bytes } = await this.sinkCounts();
    this.close(mode, { spans: spans[mode] ?? 0, bytes: bytes[mode] ?? 0, served: await this.servedOf(mode) });
    this.current.set(mode, route);
  }

  /** Call when the current run of `mode` has sent its last request. */
  runEnds(mode) {
    this.ended.set(mode, Date.now());
  }

  /** After the last run: waits until the sink has received every mode's last batch, then closes all runs. */
  async finish({ settleMs = 6_500, quietMs = 1_500, timeoutMs = 30_000 } = {}) {
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    const deadline = Date.now() + timeoutMs;
    let previous = JSON.stringify((await this.sinkCounts()).spans);
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, quietMs));
      const now = JSON.stringify((await this.sinkCounts()).spans);
      if (now === previous || Date.now() > deadline) break;
      previous = now;
    }
    const counts = await this.sinkCounts();
    for (const mode of this.current.keys()) this.close(mode, { spans: counts.spans[mode] ?? 0, bytes: counts.bytes[mode] ?? 0, served: await this.servedOf(mode) });
    return counts;
  }

  /** `{ spans, bytes, requests }` exported for `mode` on `route`. */
  totalOf(mode, route) {
    const key = `${mode} ${route}`;
    if (!this.totals.has(key)) this.totals.set(key, { spans: 0, bytes: 0, requests: 0 });
    return this.totals.get(key);
  }

  close(mode, now) {
    const route = this.current.get(mode);
    const before = this.counted.get(mode) ?? { spans: 0, bytes: 0, served: 0 };
    if (route !== undefined && route !== null) {
      const total = this.totalOf(mode, route);
      total.spans += now.spans - before.spans;
      total.bytes += now.bytes - before.bytes;
      total.requests += now.served - before.served;
    }
    this.counted.set(mode, now);
  }
}
