// Where a profiled app's CPU time went, per request: V8 CPU profile samples sorted into a few parts.
// A sample is spanlens' own when, walking up from the running function, a spanlens frame comes before
// any frame of work spanlens only passes on (the app's libraries it wraps, the exporting processor it
// forwards to): so the SDK calls spanlens makes (setAttribute, metric records) count as spanlens', the
// queries and cache calls its instrumentations wrap do not.

const SPANLENS_SOURCE = /\/dist\/src\//;
const SPANLENS_INSTRUMENTATIONS = /\/dist\/instrumentations\//;
// Forwarding only: what runs below it is the exporting processor's work, counted as export.
const FORWARDING = /\/dist\/src\/(?:processors\/kept-trace-processor|start\/deferred-span-exporter)\.js$/;
const PASSED_ON = /node_modules\/(?:express|router|pg|pg-pool|pg-protocol|pg-cursor|keyv|@keyv\/[^/]+|@redis\/[^/]+|redis)\/|node_modules\/@opentelemetry\/sdk-trace\/dist\/export\//;

export const PARTS = [
  { name: 'spanlens', label: "spanlens' processors, hooks and metrics (and the SDK calls they make)" },
  { name: 'keyv', label: 'the keyv instrumentation (in the plain SDK too)' },
  { name: 'export', label: 'exporting spans (batch processor, OTLP transformer and exporter)' },
  { name: 'sdk', label: 'the rest of OpenTelemetry (SDK, API, upstream instrumentations, context)' },
  { name: 'gc', label: 'garbage collector' },
  { name: 'app', label: 'the app, its libraries and Node' },
];

function packageOf(url) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  return match === null ? undefined : match[1];
}

function partOfFrame(callFrame) {
  const { url, functionName } = callFrame;
  if (functionName === '(garbage collector)') return 'gc';
  const pkg = packageOf(url);
  if (pkg === undefined) return 'app';
  if (/^@opentelemetry\/(?:otlp-|exporter-)/.test(pkg) || pkg === 'protobufjs') return 'export';
  if (pkg.startsWith('@opentelemetry/') || pkg === 'import-in-the-middle' || pkg === 'require-in-the-middle') return 'sdk';
  return 'app';
}

/**
 * Sums a CPU profile (the Profiler domain's) into PARTS and spanlens' own functions, in µs per request.
 * Idle samples (the event loop waiting) are left out.
 */
export function attributeProfile(profile, requests) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const parts = Object.fromEntries(PARTS.map((part) => [part.name, 0]));
  const functions = new Map();
  const partOfNode = new Map();
  const functionOfNode = new Map();

  const classify = (leafId) => {
    for (let id = leafId; id !== undefined; id = parents.get(id)) {
      const { callFrame } = nodes.get(id);
      const url = callFrame.url;
      if (FORWARDING.test(url)) return { part: 'export' };
      if (SPANLENS_SOURCE.test(url)) return { part: 'spanlens', fn: `${callFrame.functionName || '(anonymous)'} (${url.replace(/^.*\/dist\//, '')}:${callFrame.lineNumber + 1})` };
      if (SPANLENS_INSTRUMENTATIONS.test(url)) return { part: 'keyv' };
      if (PASSED_ON.test(url)) break;
    }
    return { part: partOfFrame(nodes.get(leafId).callFrame) };
  };

  let idleUs = 0;
  for (let index = 0; index < profile.samples.length; index++) {
    const id = profile.samples[index];
    // A sample's time is the gap to the next sample.
    const us = profile.timeDeltas[index + 1] ?? 0;
    const { functionName } = nodes.get(id).callFrame;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    if (!partOfNode.has(id)) {
      const { part, fn } = classify(id);
      partOfNode.set(id, part);
      functionOfNode.set(id, fn);
    }
    parts[partOfNode.get(id)] += us;
    const fn = functionOfNode.get(id);
    if (fn !== undefined) functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  const perRequest = (us) => us / requests;
  const busy = Object.values(parts).reduce((sum, us) => sum + us, 0);
  return {
    busyUsPerRequest: perRequest(busy),
    idleUsPerRequest: perRequest(idleUs),
    parts: Object.fromEntries(Object.entries(parts).map(([name, us]) => [name, perRequest(us)])),
    functions: [...functions].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, usPerRequest: perRequest(us) })),
  };
}
