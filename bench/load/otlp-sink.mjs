// The load benchmark's trace backend: an OTLP/HTTP receiver (protobuf, gzip or not) that counts the spans
// each mode exports and keeps nothing else. Each mode exports to its own path, /v1/traces/<mode>;
// GET /counts answers { spans: { <mode>: count }, bytes: { <mode>: decoded bytes }, names: { <mode>: { <span name>: count } },
// undecodable: { <mode>: exports } }. A separate process, so that counting costs neither the
// apps nor the load generator. Prints {"listening":PORT}.
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { countSpansInExportRequest } from './protobuf-span-count.mjs';

const TRACES_PATH = /^\/v1\/traces\/([\w-]+)$/;
const spansByMode = {};
// Bytes of the decoded (uncompressed) export requests: what the exporter serialised.
const bytesByMode = {};
const undecodableByMode = {};
const namesByMode = {};
// Span names come from instrumentations, not from requests; the cap only guards against a surprise.
const MAX_NAMES_PER_MODE = 200;

function countName(mode, name) {
  const names = (namesByMode[mode] ??= Object.create(null));
  if (name in names) names[name]++;
  else if (Object.keys(names).length < MAX_NAMES_PER_MODE) names[name] = 1;
}

const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/counts') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ spans: spansByMode, bytes: bytesByMode, names: namesByMode, undecodable: undecodableByMode }));
    return;
  }
  const match = request.method === 'POST' ? TRACES_PATH.exec(request.url ?? '') : null;
  if (match === null) {
    response.writeHead(404);
    response.end();
    return;
  }
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const mode = match[1];
    try {
      let body = Buffer.concat(chunks);
      if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      spansByMode[mode] = (spansByMode[mode] ?? 0) + countSpansInExportRequest(body, (name) => countName(mode, name));
      bytesByMode[mode] = (bytesByMode[mode] ?? 0) + body.length;
    } catch {
      // Counted, so that the benchmark can fail loudly rather than report too few spans.
      undecodableByMode[mode] = (undecodableByMode[mode] ?? 0) + 1;
    }
    // An empty ExportTraceServiceResponse: every span accepted.
    response.writeHead(200, { 'content-type': 'application/x-protobuf' });
    response.end();
  });
});

server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ listening: server.address().port })));
