// The compose stack's load: a gentle, steady stream of requests against the demo app, so that every
// dashboard panel has data within a minute. Besides the demo's usual mix it asks for the slow report
// now and then, and once in a while adds an attendee who does not exist (the app answers 500), so the
// slow-request, slow-query and error panels and the collector's tail-sampling policies have something
// to show. LOAD_MAX_REQUESTS bounds a run (for a try-out); without it the load runs until stopped.
// LOAD_HEARTBEAT_FILE, when set, is touched whenever the app answers (the compose health check reads it).
import { writeFile } from 'node:fs/promises';
import { SEED } from './seed.mjs';
import { nextRequest, random } from './load.mjs';

const baseUrl = process.env.DEMO_URL ?? 'http://127.0.0.1:3000';
const requestsPerSecond = positiveNumber('LOAD_REQUESTS_PER_SECOND', 4);
const maxRequests = positiveNumber('LOAD_MAX_REQUESTS', Infinity);
const heartbeatFile = process.env.LOAD_HEARTBEAT_FILE;
/** Requests in flight at most: a stalled app is not buried under a growing backlog. */
const MAX_IN_FLIGHT = 16;
const REQUEST_TIMEOUT_MS = 10_000;
const REPORT_INTERVAL_MS = 60_000;
const SHARE_OF_SLOW_REPORTS = 0.02;
const SHARE_OF_FAILING_WRITES = 0.01;

function positiveNumber(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (Number.isFinite(value) && value > 0) return value;
  console.warn(`load: ${name}=${raw} is not a positive number; using ${fallback}`);
  return fallback;
}

const next = random(Date.now());

function loadRequest() {
  const roll = next();
  if (roll < SHARE_OF_SLOW_REPORTS) return { method: 'GET', path: '/reports/attendance' };
  if (roll < SHARE_OF_SLOW_REPORTS + SHARE_OF_FAILING_WRITES) {
    // No such user: the foreign key rejects the insert.
    return { method: 'POST', path: `/meetings/${1 + Math.floor(next() * SEED.meetings)}/attendees`, body: { userId: SEED.users + 1 } };
  }
  return nextRequest(next);
}

const counts = { sent: 0, serverErrors: 0, unanswered: 0, skipped: 0 };
let inFlight = 0;
let lastHeartbeatMs = 0;

/** Records that the app answered, at most once a second. */
function heartbeat() {
  const now = Date.now();
  if (heartbeatFile === undefined || now - lastHeartbeatMs < 1000) return;
  lastHeartbeatMs = now;
  writeFile(heartbeatFile, String(now)).catch(() => {});
}

async function send(request) {
  inFlight += 1;
  try {
    const response = await fetch(baseUrl + request.path, {
      method: request.method,
      headers: request.body ? { 'content-type': 'application/json' } : undefined,
      body: request.body ? JSON.stringify(request.body) : undefined,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    heartbeat();
    if (response.status >= 500) counts.serverErrors += 1;
  } catch {
    counts.unanswered += 1;
  } finally {
    inFlight -= 1;
  }
}

function report() {
  console.log(
    `load: ${counts.sent} requests sent to ${baseUrl} (${counts.serverErrors} answered 5xx, ` +
      `${counts.unanswered} unanswered, ${counts.skipped} skipped while the app was behind)`,
  );
}

console.log(`load: ${requestsPerSecond} requests per second against ${baseUrl}`);
const ticker = setInterval(() => {
  if (counts.sent >= maxRequests) return stop();
  if (inFlight >= MAX_IN_FLIGHT) {
    counts.skipped += 1;
    return;
  }
  counts.sent += 1;
  void send(loadRequest());
}, 1000 / requestsPerSecond);
const reporter = setInterval(report, REPORT_INTERVAL_MS);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  clearInterval(ticker);
  clearInterval(reporter);
  while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  report();
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
