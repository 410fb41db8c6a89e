// One run of load against one app process: autocannon with a fixed number of connections for a fixed
// time, and what the app spent meanwhile (CPU from /proc, RSS sampled every 100 ms).
import autocannon from 'autocannon';
import { cpuSecondsOf, RssSampler } from './process-meter.mjs';

/**
 * Loads `target` (a ListeningProcess) on `paths` (each connection cycles through them) for `seconds`.
 * Resolves with the answers autocannon received, every response time (autocannon's own histogram has
 * 1 ms resolution, too coarse for routes of a few milliseconds), and what the app did meanwhile: the
 * requests it served by its own count, which includes those autocannon stops waiting for when time is
 * up and those left from the run before, whose CPU time falls in the same window, its CPU seconds, and
 * its RSS trough and peak.
 */
export async function runLoad(target, { paths, connections, seconds }) {
  const responseTimesMs = [];
  const statusCounts = {};
  let firstError;
  const rss = new RssSampler(target.pid).start();
  const servedBefore = await target.served();
  const cpuBefore = cpuSecondsOf(target.pid);
  const startedNs = process.hrtime.bigint();
  const instance = autocannon({
    url: target.url,
    connections,
    duration: seconds,
    requests: paths.map((path) => ({ method: 'GET', path })),
  });
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    responseTimesMs.push(responseTimeMs);
    statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
  });
  instance.on('reqError', (error) => (firstError ??= error));
  const result = await instance;
  const elapsedSeconds = Number(process.hrtime.bigint() - startedNs) / 1e9;
  // Read while the process still exists: a crash shows as an exit, not as a /proc error here.
  let cpuSeconds;
  try {
    cpuSeconds = cpuSecondsOf(target.pid) - cpuBefore;
  } catch {
    cpuSeconds = undefined;
  }
  const served = (await target.served()) - servedBefore;
  const memory = rss.stop();
  return {
    responses: responseTimesMs.length,
    served,
    statusCounts,
    errors: result.errors,
    timeouts: result.timeouts,
    firstError: firstError === undefined ? undefined : String(firstError.message ?? firstError),
    elapsedSeconds,
    requestsPerSecond: served / elapsedSeconds,
    responseTimesMs: Float64Array.from(responseTimesMs).sort(),
    cpuSeconds,
    cpuMsPerRequest: cpuSeconds === undefined || served === 0 ? undefined : (cpuSeconds * 1000) / served,
    troughMiB: memory.troughMiB,
    peakMiB: memory.peakMiB,
  };
}

/**
 * Why a run cannot count, or undefined when every request got a 200. A warm-up may end before its first
 * answer on a starved machine (autocannon drops the requests still in flight when time is up); a
 * measured run may not.
 */
export function failureOf(run, { measured }) {
  const problems = [];
  const others = Object.entries(run.statusCounts).filter(([code]) => code !== '200');
  if (others.length > 0) problems.push(`answers other than 200: ${others.map(([code, count]) => `${count} × ${code}`).join(', ')}`);
  if (run.errors > 0) problems.push(`${run.errors} request errors (${run.timeouts} timeouts)${run.firstError ? `, first: ${run.firstError}` : ''}`);
  if (measured && run.responses === 0) problems.push('no response at all');
  return problems.length === 0 ? undefined : problems.join('; ');
}
