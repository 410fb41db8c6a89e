// The demo's load generator: a fixed, seeded mix of requests, a few at a time, behind a progress bar.
import cliProgress from 'cli-progress';
import { SEED } from './seed.mjs';

/** A small deterministic PRNG (mulberry32), so every run sends the same requests. */
export function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One request of the mix: mostly reads of a popular subset, as a real meetings app sees. */
export function nextRequest(next) {
  const pick = (max) => 1 + Math.floor(next() ** 2 * max);
  const roll = next();
  if (roll < 0.45) return { method: 'GET', path: `/users/${pick(40)}/meetings` };
  if (roll < 0.75) return { method: 'GET', path: `/meetings/${pick(150)}` };
  if (roll < 0.97) return { method: 'GET', path: `/users/${pick(40)}/settings` };
  return { method: 'POST', path: `/meetings/${pick(150)}/attendees`, body: { userId: pick(SEED.users) } };
}

/** The demo's fixed request mix, the same on every run. */
export function plannedRequests(count) {
  const next = random(42);
  return Array.from({ length: count }, () => nextRequest(next));
}

/** Sends the requests with `concurrency` in flight; returns how many failed. */
export async function drive(baseUrl, requests, { concurrency, label }) {
  const bar = new cliProgress.SingleBar(
    {
      format: `  ${label.padEnd(10)} {bar} {value}/{total} requests`,
      hideCursor: true,
      stream: process.stdout,
      noTTYOutput: true,
      notTTYSchedule: 5000,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(requests.length, 0);
  let index = 0;
  let failures = 0;
  const worker = async () => {
    while (index < requests.length) {
      const request = requests[index++];
      try {
        const response = await fetch(baseUrl + request.path, {
          method: request.method,
          headers: request.body ? { 'content-type': 'application/json' } : undefined,
          body: request.body ? JSON.stringify(request.body) : undefined,
        });
        await response.arrayBuffer();
        if (response.status >= 500) failures += 1;
      } catch {
        failures += 1;
      }
      bar.increment();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  bar.stop();
  return failures;
}
