import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Statistics } from '../../src/stats/statistics';
import { FIXTURES, REPO_ROOT } from './helpers/app-process';
import { type ReceivedSpan, serverRoots } from './helpers/otlp-receiver';
import { TestSchema } from './helpers/postgres';
import { type TracedApp, startTracedApp } from './helpers/traced-app';

/** What a finding looks like from outside: what repeated, how often, the fix, and where the app issued it. */
interface ExpectedFinding {
  /** A database table the statement reads or writes, or the HTTP call (`GET /users/{id}`, host added). */
  table?: string;
  call?: string;
  repeats: number;
  /** A piece of the suggestion the finding must carry. */
  suggestion: RegExp;
  /** The `// call site: <name>` line of the fixture that issued it, and the function V8 names there. */
  site: [name: string, fn: string];
}

/** A loop (MN+1): its iterations, its statements' tables in order, and where its first statement was issued. */
interface ExpectedLoop {
  iterations: number;
  tables: string[];
  site: string;
}

const BATCH_ATTENDEES = /attendees\.meeting_id = ANY\(\$1\)|JOIN attendees/;
const BATCH_HTTP = /batch endpoint/;
const attendees = (repeats: number, site: ExpectedFinding['site'] = ['attendeesOf', 'attendeesOf']): ExpectedFinding => ({
  table: 'attendees',
  repeats,
  suggestion: BATCH_ATTENDEES,
  site,
});
const titles = (repeats: number): ExpectedFinding => ({ table: 'meetings', repeats, suggestion: /meetings\.id = ANY\(\$1\)/, site: ['titleOf', 'titleOf'] });

/** The corpus: every case of the fixture app and the findings it must produce, no more, no fewer. */
const CORPUS: Array<{ name: string; findings: ExpectedFinding[]; loops?: ExpectedLoop[] }> = [
  { name: 'raw-loop', findings: [attendees(10)] },
  { name: 'raw-promise-all', findings: [attendees(10)] },
  { name: 'knex-loop', findings: [{ table: 'users', repeats: 8, suggestion: /users\.id = ANY\(\$1\)/, site: ['knex-loop', 'knex-loop'] }] },
  { name: 'sequelize-lazy', findings: [attendees(6, ['sequelize-lazy', 'sequelize-lazy'])] },
  { name: 'insert-loop', findings: [{ table: 'audit_log', repeats: 7, suggestion: /unnest/, site: ['insert-loop', 'insert-loop'] }] },
  { name: 'two-parents', findings: [attendees(10), attendees(10)] },
  { name: 'in-transaction', findings: [attendees(6)] },
  // Loops: one loop each, and its statements stay findings of their own.
  { name: 'raw-loop-body', findings: [titles(6), attendees(6)], loops: [{ iterations: 6, tables: ['meetings', 'attendees'], site: 'titleOf' }] },
  {
    name: 'knex-loop-body',
    findings: [
      { table: 'meetings', repeats: 5, suggestion: /meetings\.id = ANY/, site: ['knex-loop-body', 'knex-loop-body'] },
      { table: 'users', repeats: 5, suggestion: /users\.id = ANY/, site: ['knex-loop-body-users', 'knex-loop-body'] },
      attendees(5, ['knex-loop-body-attendees', 'knex-loop-body']),
    ],
    loops: [{ iterations: 5, tables: ['meetings', 'users', 'attendees'], site: 'knex-loop-body' }],
  },
  {
    name: 'sequelize-loop',
    findings: [
      attendees(5, ['sequelize-loop', 'sequelize-loop']),
      { table: 'users', repeats: 5, suggestion: /users\.id = ANY/, site: ['sequelize-loop-users', 'sequelize-loop'] },
    ],
    loops: [{ iterations: 5, tables: ['attendees', 'users'], site: 'sequelize-loop' }],
  },
  // Outgoing HTTP calls, with http.get and fetch, one after the other and concurrent.
  { name: 'http-get-loop', findings: [{ call: 'GET /users/{id}', repeats: 6, suggestion: BATCH_HTTP, site: ['getJson', '<anonymous>'] }] },
  { name: 'http-get-concurrent', findings: [{ call: 'GET /users/{id}', repeats: 6, suggestion: BATCH_HTTP, site: ['getJson', '<anonymous>'] }] },
  { name: 'fetch-loop', findings: [{ call: 'GET /meetings/{id}/attendees', repeats: 7, suggestion: BATCH_HTTP, site: ['fetch-loop', 'fetch-loop'] }] },
  { name: 'fetch-concurrent', findings: [{ call: 'GET /users/{id}', repeats: 6, suggestion: BATCH_HTTP, site: ['fetch-concurrent', '<anonymous>'] }] },
  // Negatives.
  { name: 'single', findings: [] },
  { name: 'eager-join', findings: [] },
  { name: 'sequelize-include', findings: [] },
  { name: 'batched-any', findings: [] },
  { name: 'four-repeats', findings: [] },
  { name: 'three-parents', findings: [] },
  { name: 'pg-cursor', findings: [] },
  { name: 'fetch-cursor', findings: [] },
  { name: 'begin-commit', findings: [] },
  // Two N+1s that are not one loop: one after the other, side by side, or not once per item each.
  { name: 'two-loops-in-a-row', findings: [titles(6), attendees(6)] },
  { name: 'two-loops-side-by-side', findings: [titles(6), attendees(6)] },
  { name: 'loop-uneven-body', findings: [titles(10), attendees(5)] },
  { name: 'http-batch', findings: [] },
  { name: 'fetch-four', findings: [] },
  { name: 'fetch-different-paths', findings: [] },
];

const FIXTURE_FILE = 'test/fixtures/corpus-app.cjs';
/** Line numbers of the fixture's `// call site: <name>` markers. */
const SITE_LINES = new Map(
  readFileSync(path.join(FIXTURES, 'corpus-app.cjs'), 'utf8')
    .split('\n')
    .flatMap((line, index) => [...line.matchAll(/\/\/ call site: (\S+)$/g)].map((match): [string, number] => [match[1]!, index + 1])),
);

const schema = new TestSchema();
let traced: TracedApp;
/** The server the fixture's outgoing HTTP calls go to: it answers every path with JSON. */
let api: Server;
let apiHost: string;
const apiRequests: string[] = [];
/** The request spans of each case, by case name. */
const roots = new Map<string, ReceivedSpan[]>();
/** The same single query requested many times: never an N+1 across requests. */
const SINGLE_REPEATS = 10;

beforeAll(async () => {
  api = createServer((request, response) => {
    apiRequests.push(request.url ?? '');
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiHost = `127.0.0.1:${(api.address() as AddressInfo).port}`;
  await schema.create();
  traced = await startTracedApp(schema, { app: 'corpus-app.cjs', env: { API_URL: `http://${apiHost}` } });
  for (const { name } of CORPUS) {
    const times = name === 'single' ? SINGLE_REPEATS : 1;
    for (let i = 0; i < times; i++) {
      const response = await fetch(traced.app.url(`/cases/${name}`));
      if (response.status !== 200) throw new Error(`case ${name} answered ${response.status}: ${await response.text()}`);
    }
  }
  const expectedRoots = CORPUS.length - 1 + SINGLE_REPEATS;
  const spans = await traced.receiver.waitFor((received) => serverRoots(received).length === expectedRoots);
  for (const root of serverRoots(spans)) {
    const name = String(root.attributes['url.path']).split('/').pop()!;
    roots.set(name, [...(roots.get(name) ?? []), root]);
  }
}, 120_000);

afterAll(async () => {
  await traced?.stop();
  await schema.drop();
  api?.closeAllConnections();
  await new Promise((resolve) => api?.close(resolve));
});

function eventsOf(root: ReceivedSpan, name: string) {
  return root.events.filter((event) => event.name === name).map((event) => event.attributes);
}
const findingsOf = (root: ReceivedSpan) => eventsOf(root, 'spanlens.n_plus_one');
const loopsOf = (root: ReceivedSpan) => eventsOf(root, 'spanlens.n_plus_one.loop');

function matches(found: Record<string, unknown>, expected: ExpectedFinding): boolean {
  const query = String(found['spanlens.db.query']);
  const what =
    expected.call === undefined
      ? found['spanlens.n_plus_one.kind'] === 'db' && new RegExp(`\\b${expected.table}\\b`).test(query)
      : found['spanlens.n_plus_one.kind'] === 'http' && query === expected.call.replace(' /', ` ${apiHost}/`);
  return what && found['spanlens.n_plus_one.repeats'] === expected.repeats && expected.suggestion.test(String(found['spanlens.n_plus_one.suggestion']));
}

function lineOf(site: string): number {
  const line = SITE_LINES.get(site);
  if (line === undefined) throw new Error(`no "// call site: ${site}" in the fixture`);
  return line;
}

describe('N+1 detection on the corpus of real ORM and driver routes', () => {
  it.each(CORPUS)('$name: finds exactly the expected N+1 patterns', ({ name, findings: expected }) => {
    expect(roots.get(name)?.length).toBe(name === 'single' ? SINGLE_REPEATS : 1);
    for (const root of roots.get(name)!) {
      const found = findingsOf(root);
      expect(root.attributes['spanlens.n_plus_one.count']).toBe(expected.length);
      expect(root.attributes['spanlens.n_plus_one.found']).toBe(expected.length > 0);
      expect(found).toHaveLength(expected.length);
      const unmatched = [...found];
      for (const finding of expected) {
        const index = unmatched.findIndex((candidate) => matches(candidate, finding));
        expect({ case: name, expected: finding, found: index >= 0 ? 'yes' : unmatched }).toEqual({ case: name, expected: finding, found: 'yes' });
        unmatched.splice(index, 1);
      }
    }
  });

  it('has a precision and recall of 100 % over the whole corpus', () => {
    let truePositives = 0;
    let falsePositives = 0;
    let falseNegatives = 0;
    for (const { name, findings: expected } of CORPUS) {
      for (const root of roots.get(name)!) {
        const unmatched = findingsOf(root);
        for (const finding of expected) {
          const index = unmatched.findIndex((candidate) => matches(candidate, finding));
          if (index >= 0) {
            truePositives += 1;
            unmatched.splice(index, 1);
          } else {
            falseNegatives += 1;
          }
        }
        falsePositives += unmatched.length;
      }
    }
    const precision = truePositives / (truePositives + falsePositives);
    const recall = truePositives / (truePositives + falseNegatives);
    expect({ precision, recall, truePositives }).toEqual({ precision: 1, recall: 1, truePositives: 25 });
  });

  it('sees the queries and calls of the negative cases, so their silence means something', () => {
    const root = (name: string) => roots.get(name)![0]!.attributes;
    expect(root('four-repeats')['spanlens.db.query_count']).toBe(4);
    expect(root('three-parents')['spanlens.db.query_count']).toBe(9);
    // BEGIN, DECLARE, ten FETCHes, CLOSE, COMMIT.
    expect(root('fetch-cursor')['spanlens.db.query_count']).toBe(14);
    expect(root('begin-commit')['spanlens.db.query_count']).toBe(12);
    expect(root('sequelize-include')['spanlens.db.query_count']).toBe(1);
    // instrumentation-pg 0.77 does not trace pg-cursor's reads (a submittable, not a query), so that case
    // only proves nothing is invented; fetch-cursor covers repeated cursor reads. Revisit if this changes.
    expect(root('pg-cursor')['spanlens.db.query_count']).toBe(0);
    expect(root('loop-uneven-body')['spanlens.db.query_count']).toBe(15);
    expect(root('http-batch')['spanlens.http_client.call_count']).toBe(1);
    expect(root('fetch-four')['spanlens.http_client.call_count']).toBe(4);
    expect(root('fetch-different-paths')['spanlens.http_client.call_count']).toBe(5);
    expect(root('fetch-loop')['spanlens.http_client.call_count']).toBe(7);
    expect(root('raw-loop')['spanlens.http_client.call_count']).toBe(0);
  });

  it('names the parent span of each finding and records its merged duration', () => {
    const [first, second] = findingsOf(roots.get('two-parents')![0]!);
    expect(first!['spanlens.n_plus_one.parent_span_id']).not.toBe(second!['spanlens.n_plus_one.parent_span_id']);
    const concurrent = findingsOf(roots.get('raw-promise-all')![0]!)[0]!;
    expect(Number(concurrent['spanlens.n_plus_one.duration_ms'])).toBeGreaterThan(0);
  });

  it('never puts a literal value of a query into a finding, a span or a metric', async () => {
    // Exported query text is sanitized by default, so every attribute and event is scanned as it left.
    const everything = JSON.stringify(traced.receiver.spans);
    expect(everything).not.toContain('viewed');
    // Sequelize inlines its lazy getter's id (`WHERE "meetingId" = 1`): no finding may keep it.
    const sequelizeFinding = findingsOf(roots.get('sequelize-lazy')![0]!)[0]!;
    expect(String(sequelizeFinding['spanlens.db.query'])).not.toMatch(/= \d/);
    const stats = await (await fetch(`http://127.0.0.1:${traced.metricsPort}/stats`)).text();
    expect(stats).not.toMatch(/= \d|viewed/);
    const metrics = await (await fetch(`http://127.0.0.1:${traced.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/spanlens_n_plus_one_total\{http_route="\/cases\/:name",db_query_summary="SELECT attendees"[^}]*\} \d+/);
    expect(metrics).not.toContain('viewed');
  });
});

describe('call sites: where the app issued the repeated statement', () => {
  const cases = CORPUS.flatMap(({ name, findings }) => findings.map((finding) => ({ name, finding })));

  it.each(cases)('$name: $finding.table$finding.call comes from the line marked "$finding.site.0"', ({ name, finding }) => {
    const [site, fn] = finding.site;
    for (const root of roots.get(name)!) {
      const found = findingsOf(root).find((candidate) => matches(candidate, finding))!;
      expect({
        file: found['code.file.path'],
        line: found['code.line.number'],
        function: found['code.function.name'],
      }).toEqual({ file: FIXTURE_FILE, line: lineOf(site), function: fn });
    }
  });
});

describe('loops (MN+1): one finding for a loop body that runs several statements per item', () => {
  it.each(CORPUS.map(({ name, loops }) => ({ name, loops: loops ?? [] })))('$name: finds exactly the expected loops', ({ name, loops: expected }) => {
    const found = loopsOf(roots.get(name)![0]!);
    expect(
      found.map((loop) => ({
        iterations: loop['spanlens.n_plus_one.iterations'],
        tables: (loop['spanlens.n_plus_one.queries'] as string[]).map((query) => /\bfrom\s+(?:"?\w+"?\.)?"?(\w+)"?/i.exec(query)?.[1]),
        line: loop['code.line.number'],
        file: loop['code.file.path'],
      })),
    ).toEqual(expected.map(({ iterations, tables, site }) => ({ iterations, tables, line: lineOf(site), file: FIXTURE_FILE })));
  });

  it('names the loop body statements by the fingerprints of their own findings, and gives one suggestion for all', () => {
    const root = roots.get('raw-loop-body')![0]!;
    const [loop] = loopsOf(root);
    const findings = findingsOf(root);
    const fingerprintOf = (table: string) => findings.find((finding) => String(finding['spanlens.db.query']).includes(`FROM ${table}`))!['spanlens.db.fingerprint'];
    expect(loop!['spanlens.n_plus_one.fingerprints']).toEqual([fingerprintOf('meetings'), fingerprintOf('attendees')]);
    expect(loop!['spanlens.n_plus_one.parent_span_id']).toBe(findings[0]!['spanlens.n_plus_one.parent_span_id']);
    expect(loop!['spanlens.n_plus_one.suggestion']).toBe(
      'Load what the loop needs for all 6 items before it — `SELECT ... FROM meetings WHERE meetings.id = ANY($1)`; ' +
        '`SELECT ... FROM attendees WHERE attendees.meeting_id = ANY($1)` — or eager-load the related rows (a JOIN, an ORM include), ' +
        'then look them up in memory inside the loop: 2 round trips instead of 12.',
    );
  });
});

describe('N+1 HTTP calls', () => {
  it('made every call it reports: the fixture really called the server', () => {
    expect(apiRequests.filter((url) => url.startsWith('/users/')).length).toBeGreaterThanOrEqual(6 * 3 + 4 + 1);
    expect(apiRequests.filter((url) => /^\/meetings\/\d+\/attendees\?token=secret-token$/.test(url))).toHaveLength(7);
  });

  it('never records a query string or a raw URL in a finding, /stats or a metric', async () => {
    const findings = JSON.stringify([...roots.values()].flat().map((root) => root.events));
    const stats = await (await fetch(`http://127.0.0.1:${traced.metricsPort}/stats`)).text();
    const metrics = await (await fetch(`http://127.0.0.1:${traced.metricsPort}/metrics`)).text();
    for (const text of [findings, stats, metrics]) {
      expect(text).not.toContain('secret-token');
      expect(text).not.toMatch(/\/users\/\d/);
    }
    expect(metrics).toMatch(new RegExp(`spanlens_n_plus_one_total\\{[^}]*db_query_summary="GET ${apiHost}/users/\\{id\\}"[^}]*spanlens_n_plus_one_kind="http"[^}]*\\} 3`));
    expect(metrics).toMatch(/spanlens_n_plus_one_total\{[^}]*db_query_summary="SELECT attendees"[^}]*spanlens_n_plus_one_kind="db"[^}]*\} \d+/);
  });
});

describe('/stats and spanlens report', () => {
  let stats: Statistics;
  beforeAll(async () => {
    stats = (await (await fetch(`http://127.0.0.1:${traced.metricsPort}/stats`)).json()) as Statistics;
  });

  it('lists each finding with its kind and call site, and each loop with its statements', () => {
    expect(stats.nPlusOne).toContainEqual(
      expect.objectContaining({
        route: '/cases/:name',
        kind: 'http',
        query: `GET ${apiHost}/meetings/{id}/attendees`,
        repeats: 7,
        callSite: { file: FIXTURE_FILE, line: lineOf('fetch-loop'), function: 'fetch-loop' },
      }),
    );
    expect(stats.loops).toContainEqual({
      route: '/cases/:name',
      iterations: 6,
      statements: [
        { fingerprint: expect.any(String), query: 'SELECT title FROM meetings WHERE id = $1' },
        { fingerprint: expect.any(String), query: 'SELECT user_id FROM attendees WHERE meeting_id = $1' },
      ],
      callSite: { file: FIXTURE_FILE, line: lineOf('titleOf'), function: 'titleOf' },
      suggestion: expect.stringContaining('2 round trips instead of 12'),
      occurrences: 1,
    });
    expect(stats.loops).toHaveLength(3);
    const endpoint = stats.endpoints.find((candidate) => candidate.route === '/cases/:name')!;
    // 6 + 6 + 7 + 6 http.get and fetch calls in the positives, 1 + 4 + 5 in the negatives, over every request.
    expect(endpoint.httpCallsAvg).toBeCloseTo(35 / endpoint.requests, 3);
  });

  it('prints the loops first, then the other findings, each with where the app issued it', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'bin/spanlens.js'), 'report', '--url', `http://127.0.0.1:${traced.metricsPort}/stats`], {
      env: { PATH: process.env.PATH ?? '' },
    });
    const section = stdout.slice(stdout.indexOf('N+1 queries'), stdout.indexOf('Slow queries'));
    expect(section).toContain(
      [
        '/cases/:name: a loop runs 2 statements for each of up to 6 items, in 1 request',
        `  call site:  ${FIXTURE_FILE}:${lineOf('titleOf')} (titleOf)`,
        '  1.          SELECT title FROM meetings WHERE id = $1',
        '  2.          SELECT user_id FROM attendees WHERE meeting_id = $1',
        '  suggestion: Load what the loop needs for all 6 items before it',
      ].join('\n'),
    );
    expect(section).toContain(
      [
        '/cases/:name: up to 7 repeats in one request, in 1 request',
        `  http call:  GET ${apiHost}/meetings/{id}/attendees`,
        `  call site:  ${FIXTURE_FILE}:${lineOf('fetch-loop')} (fetch-loop)`,
        '  suggestion: Make one request for all items',
      ].join('\n'),
    );
    expect(section.indexOf('a loop runs')).toBeLessThan(section.indexOf('repeats in one request'));
  });
});
