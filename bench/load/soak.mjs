// The soak: one mode at full load for minutes, its RSS (trough and peak of the GC sawtooth), requests/s
// and CPU per request every 10 s, and how much the RSS grew after warm-up. A process whose memory is
// bounded levels off; one that leaks keeps climbing at the same load.
import autocannon from 'autocannon';
import { cpuSecondsOf, RssSampler } from './process-meter.mjs';

const WINDOW_SECONDS = 10;
const COMPARED_WINDOWS = 3;

/** Loads `target` for `seconds`, printing a row per window; resolves with the windows and the growth. */
export async function runSoak(target, { seconds, connections, paths, print }) {
  const warmupSeconds = Math.min(30, seconds / 6);
  const windows = [];
  const statusCounts = {};
  let errors = 0;
  let sampler = new RssSampler(target.pid).start();
  let servedBefore = await target.served();
  let cpuBefore = cpuSecondsOf(target.pid);
  const started = Date.now();
  let windowStarted = started;
  const columns = [10, 11, 15, 15, 13];
  const row = (cells) => `| ${cells.map((cell, index) => String(cell).padStart(columns[index])).join(' | ')} |`;
  print(row(['elapsed s', 'requests/s', 'CPU ms/request', 'RSS trough MiB', 'RSS peak MiB']));
  print(`|${columns.map((width) => '-'.repeat(width + 1) + ':').join('|')}|`);

  // Requests by the app's own count, as in the comparison runs.
  const closeWindow = async ({ last = false } = {}) => {
    const now = Date.now();
    const memory = sampler.stop();
    if (!last) sampler = new RssSampler(target.pid).start();
    const cpu = cpuSecondsOf(target.pid);
    const served = await target.served();
    const requests = served - servedBefore;
    const window = {
      endSeconds: (now - started) / 1000,
      requestsPerSecond: requests / ((now - windowStarted) / 1000),
      cpuMsPerRequest: requests === 0 ? undefined : ((cpu - cpuBefore) * 1000) / requests,
      troughMiB: memory.troughMiB,
      peakMiB: memory.peakMiB,
    };
    windows.push(window);
    print(row([window.endSeconds.toFixed(0), window.requestsPerSecond.toFixed(0), window.cpuMsPerRequest?.toFixed(3) ?? '—', window.troughMiB.toFixed(1), window.peakMiB.toFixed(1)]));
    servedBefore = served;
    cpuBefore = cpu;
    windowStarted = now;
  };

  const instance = autocannon({ url: target.url, connections, duration: seconds, requests: paths.map((path) => ({ method: 'GET', path })) });
  instance.on('response', (_client, statusCode) => {
    statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
  });
  instance.on('reqError', () => errors++);
  let closing = Promise.resolve();
  const timer = setInterval(() => (closing = closing.then(closeWindow)), WINDOW_SECONDS * 1000);
  try {
    await instance;
  } finally {
    clearInterval(timer);
  }
  await closing;
  if ((Date.now() - windowStarted) / 1000 >= 1) await closeWindow({ last: true });
  else sampler.stop();

  const settled = windows.filter((window) => window.endSeconds > warmupSeconds + WINDOW_SECONDS / 2);
  const compared = Math.max(1, Math.min(COMPARED_WINDOWS, Math.floor(settled.length / 2)));
  const grow = (field) => {
    const first = Math.max(...settled.slice(0, compared).map((window) => window[field]));
    const last = Math.max(...settled.slice(-compared).map((window) => window[field]));
    return { first, last, growth: last / first - 1 };
  };
  return {
    windows,
    warmupSeconds,
    comparedWindows: compared,
    peak: settled.length > 0 ? grow('peakMiB') : undefined,
    trough: settled.length > 0 ? grow('troughMiB') : undefined,
    statusCounts,
    errors,
  };
}
