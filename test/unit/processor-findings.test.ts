import path from 'node:path';
import { type Context, ROOT_CONTEXT, SpanKind, type Tracer, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, type Span, TracerProvider } from '@opentelemetry/sdk-trace';
import { NPlusOneDetector } from '../../src/detection/n-plus-one';
import { RequestStatisticsProcessor } from '../../src/processors/request-statistics-processor';
import type { RequestSummary } from '../../src/processors/request-summary';
import { CountingFinder, NOT_THE_APP } from './call-sites/library/counting-finder';
import { lineOfCaller } from './call-sites/library/line-of-caller';


function harness(options: { ignore?: string[]; finder?: CountingFinder } = {}) {
  const exporter = new InMemorySpanExporter();
  const finder = options.finder ?? new CountingFinder();
  const processor = new RequestStatisticsProcessor({
    slowQueryThresholdMs: 1000,
    slowRequestThresholdMs: 1000,
    maxRoutes: 10,
    meterProvider: new MeterProvider(),
    nPlusOneDetector: new NPlusOneDetector({ ignore: options.ignore ?? [] }),
    callSiteFinder: finder,
  });
  const provider = new TracerProvider({ spanProcessors: [processor, new SimpleSpanProcessor({ exporter })] });
  const summaries: RequestSummary[] = [];
  processor.onRequestEnd((summary) => summaries.push(summary));
  const tracer = provider.getTracer('test');
  const root = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'url.path': '/articles' } }, ROOT_CONTEXT);
  const rootContext = trace.setSpan(ROOT_CONTEXT, root);
  const end = () => {
    root.end();
    const request = exporter.getFinishedSpans().find((span) => span.kind === SpanKind.SERVER)!;
    return { request, summary: summaries[0]!, events: (name: string) => request.events.filter((event) => event.name === name) };
  };
  return { tracer, processor, finder, root, rootContext, end };
}

const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => context.setGlobalContextManager(contextManager.enable()));
afterAll(() => context.disable());

const THIS_FILE = path.relative(process.cwd(), __filename).split(path.sep).join('/');
const ATTENDEES = 'SELECT user_id FROM attendees WHERE meeting_id = $1';
const MEETING = 'SELECT title FROM meetings WHERE id = $1';

/** The line of the statement after the one calling this: where a helper issues its operation. */
function nextLine(): number {
  return lineOfCaller(nextLine) + 1;
}

/** App code running a query the way instrumentations that set the text at start trace it. */
function runQuery(tracer: Tracer, parent: Context, text: string): number {
  const line = nextLine();
  tracer.startSpan('db.query', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.query.text': text } }, parent).end();
  return line;
}

/** A pg query span: no text when it starts; instrumentation-pg's requestHook gives it right after. */
function startPgSpan(tracer: Tracer, parent: Context): Span {
  return tracer.startSpan('pg.query:SELECT test', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql' } }, parent) as Span;
}

/** App code calling the pg client: the span starts and the requestHook runs inside its call. */
function clientQuery(tracer: Tracer, processor: RequestStatisticsProcessor, parent: Context, text: string): number {
  const span = startPgSpan(tracer, parent);
  const line = nextLine();
  processor.queryStarted(span, text);
  span.end();
  return line;
}

/** App code calling `pool.query(text)` (in the request's context): the pool runs it later, where this frame is gone. */
function poolQuery(processor: RequestStatisticsProcessor, text: string): number {
  const line = nextLine();
  processor.poolQueryIssued(text);
  return line;
}

function outgoingCall(tracer: Tracer, parent: Context, attributes: Record<string, string | number>): number {
  const line = nextLine();
  tracer.startSpan('GET', { kind: SpanKind.CLIENT, attributes }, parent).end();
  return line;
}

describe('call sites of N+1 findings', () => {
  it("names the app code that issued the repeated statement, captured once: at the repeat that reaches the threshold", () => {
    const { tracer, finder, rootContext, end } = harness();
    let line = 0;
    for (let id = 1; id <= 12; id++) line = runQuery(tracer, rootContext, ATTENDEES);
    const { events, summary } = end();
    expect(finder.captures).toBe(1);
    expect(events('spanlens.n_plus_one')[0]!.attributes).toMatchObject({
      'spanlens.n_plus_one.kind': 'db',
      'code.file.path': THIS_FILE,
      'code.line.number': line,
      'code.function.name': 'runQuery',
    });
    expect(summary.nPlusOne[0]!.callSite).toEqual({ file: THIS_FILE, line, function: 'runQuery' });
  });

  it('captures nothing for repeats below the threshold, nor for transaction control', () => {
    const { tracer, finder, rootContext, end } = harness();
    for (let id = 1; id <= 4; id++) runQuery(tracer, rootContext, ATTENDEES);
    for (let i = 1; i <= 6; i++) runQuery(tracer, rootContext, 'BEGIN');
    end();
    expect(finder.captures).toBe(0);
  });

  it('captures nothing for a shape SPANLENS_N_PLUS_ONE_IGNORE names', () => {
    const { tracer, finder, rootContext, end } = harness({ ignore: ['/FROM attendees/'] });
    for (let id = 1; id <= 6; id++) runQuery(tracer, rootContext, ATTENDEES);
    expect(end().summary.nPlusOne).toEqual([]);
    expect(finder.captures).toBe(0);
  });

  it("takes a pg span's statement from queryStarted (instrumentation-pg sets the text after the span starts)", () => {
    const { tracer, processor, finder, rootContext, end } = harness();
    let line = 0;
    for (let id = 1; id <= 5; id++) line = clientQuery(tracer, processor, rootContext, ATTENDEES);
    const { summary } = end();
    expect(finder.captures).toBe(1);
    expect(summary.nPlusOne[0]).toMatchObject({ repeats: 5, callSite: { file: THIS_FILE, line, function: 'clientQuery' } });
  });

  it("counts pool.query calls as they are issued, and not again when their spans start", () => {
    const { tracer, processor, finder, rootContext, end } = harness();
    let line = 0;
    context.with(rootContext, () => {
      for (let id = 1; id <= 5; id++) line = poolQuery(processor, ATTENDEES);
    });
    // The pool runs them later: each span starts without the app's frame on the stack.
    for (let id = 1; id <= 5; id++) {
      const span = startPgSpan(tracer, rootContext);
      processor.queryStarted(span, ATTENDEES);
      span.end();
    }
    const { summary } = end();
    expect(finder.captures).toBe(1);
    expect(summary.nPlusOne[0]).toMatchObject({ repeats: 5, callSite: { file: THIS_FILE, line, function: 'poolQuery' } });
  });

  it('says no app frame was visible (null, no code attributes) rather than guess', () => {
    // Everything in this test's folder counts as library code here, as an ORM's frames would.
    const { tracer, rootContext, end } = harness({ finder: new CountingFinder([...NOT_THE_APP, __dirname]) });
    for (let id = 1; id <= 5; id++) runQuery(tracer, rootContext, ATTENDEES);
    const { events, summary } = end();
    expect(summary.nPlusOne[0]!.callSite).toBeNull();
    expect(Object.keys(events('spanlens.n_plus_one')[0]!.attributes!).filter((key) => key.startsWith('code.'))).toEqual([]);
  });

  it('names the call site of repeated statements from instrumentations that set the older db.statement', () => {
    const { tracer, finder, rootContext, end } = harness();
    let line = 0;
    for (let id = 1; id <= 5; id++) {
      line = nextLine();
      tracer.startSpan('mysql.query', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'mysql', 'db.statement': ATTENDEES } }, rootContext).end();
    }
    expect(end().summary.nPlusOne[0]).toMatchObject({ repeats: 5, callSite: { file: THIS_FILE, line } });
    expect(finder.captures).toBe(1);
  });

  it('counts a statement once when its text came both at start and through queryStarted', () => {
    const { tracer, processor, finder, rootContext, end } = harness();
    // Four: below the threshold, so there is no call site to capture.
    for (let id = 1; id <= 4; id++) {
      const span = tracer.startSpan('pg.query', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.query.text': ATTENDEES } }, rootContext) as Span;
      processor.queryStarted(span, ATTENDEES);
      span.end();
    }
    expect(end().summary.queryCount).toBe(4);
    expect(finder.captures).toBe(0);
  });

  it('names the pool.query call the app made under a child span of the request (a middleware)', () => {
    const { tracer, processor, rootContext, end } = harness();
    const middleware = tracer.startSpan('middleware - load', {}, rootContext);
    const inMiddleware = trace.setSpan(rootContext, middleware);
    let line = 0;
    context.with(inMiddleware, () => {
      for (let id = 1; id <= 5; id++) line = poolQuery(processor, ATTENDEES);
    });
    for (let id = 1; id <= 5; id++) {
      const span = startPgSpan(tracer, inMiddleware);
      processor.queryStarted(span, ATTENDEES);
      span.end();
    }
    middleware.end();
    expect(end().summary.nPlusOne[0]).toMatchObject({ repeats: 5, callSite: { file: THIS_FILE, line, function: 'poolQuery' } });
  });

  it('captures nothing for transaction control issued through pool.query', () => {
    const { processor, finder, rootContext, end } = harness();
    context.with(rootContext, () => {
      for (let i = 1; i <= 6; i++) poolQuery(processor, 'BEGIN');
    });
    end();
    expect(finder.captures).toBe(0);
  });

  it('reports and captures nothing for repeated cache operations without a key pattern', () => {
    const { tracer, finder, rootContext, end } = harness();
    for (let id = 1; id <= 5; id++) {
      tracer.startSpan('keyv.get', { kind: SpanKind.CLIENT, attributes: { 'spanlens.cache.operation': 'get' } }, rootContext).end();
    }
    expect(end().summary).toMatchObject({ cacheMisses: 5, nPlusOne: [] });
    expect(finder.captures).toBe(0);
  });

  it('gives repeated cache operations kind cache and their call site', () => {
    const { tracer, rootContext, end } = harness();
    let line = 0;
    for (let id = 1; id <= 5; id++) {
      line = nextLine();
      tracer.startSpan('keyv.get', { kind: SpanKind.CLIENT, attributes: { 'spanlens.cache.operation': 'get', 'spanlens.cache.key_pattern': 'user:{id}' } }, rootContext).end();
    }
    const { events } = end();
    expect(events('spanlens.n_plus_one')[0]!.attributes).toMatchObject({
      'spanlens.n_plus_one.kind': 'cache',
      'spanlens.db.query': 'keyv.get user:{id}',
      'code.line.number': line,
    });
  });
});

describe('N+1 outgoing HTTP calls', () => {
  it('finds repeated calls to one method and templated URL, counts the calls, and keeps no query string or raw URL', () => {
    const { tracer, rootContext, end } = harness();
    let line = 0;
    // instrumentation-http (url.full only) and instrumentation-undici (url.full, url.path) alike.
    for (let id = 1; id <= 3; id++) line = outgoingCall(tracer, rootContext, { 'http.request.method': 'GET', 'url.full': `http://api.example.com:8080/users/${id}?token=s3cret` });
    for (let id = 4; id <= 5; id++) {
      line = outgoingCall(tracer, rootContext, { 'http.request.method': 'GET', 'url.full': `http://api.example.com:8080/users/${id}?token=s3cret`, 'url.path': `/users/${id}` });
    }
    outgoingCall(tracer, rootContext, { 'http.request.method': 'POST', 'url.full': 'https://api.example.com/audit' });
    const { request, events, summary } = end();
    expect(request.attributes['spanlens.http_client.call_count']).toBe(6);
    expect(summary.httpCallCount).toBe(6);
    expect(events('spanlens.n_plus_one').map((event) => event.attributes)).toEqual([
      expect.objectContaining({
        'spanlens.n_plus_one.kind': 'http',
        'spanlens.db.query': 'GET api.example.com:8080/users/{id}',
        'spanlens.n_plus_one.repeats': 5,
        'spanlens.n_plus_one.suggestion': expect.stringContaining('batch endpoint'),
        'code.line.number': line,
        'code.function.name': 'outgoingCall',
      }),
    ]);
    expect(summary.nPlusOne[0]).toMatchObject({ kind: 'http', summary: 'GET api.example.com:8080/users/{id}' });
    const recorded = JSON.stringify([request.attributes, request.events, summary]);
    expect(recorded).not.toContain('s3cret');
    expect(recorded).not.toMatch(/users\/\d/);
  });

  it('reads the older attribute names (http.method, http.url) and leaves the default port out of the host', () => {
    const { tracer, rootContext, end } = harness();
    for (let id = 1; id <= 5; id++) outgoingCall(tracer, rootContext, { 'http.method': 'GET', 'http.url': `https://api.example.com:443/orders/${id}/items` });
    expect(end().summary.nPlusOne[0]!.query).toBe('GET api.example.com/orders/{id}/items');
  });

  it('does not take server or internal spans with HTTP attributes for outgoing calls', () => {
    const { tracer, rootContext, end } = harness();
    for (let id = 1; id <= 5; id++) tracer.startSpan('handler', { kind: SpanKind.INTERNAL, attributes: { 'http.request.method': 'GET', 'url.full': `http://x/users/${id}` } }, rootContext).end();
    expect(end().summary).toMatchObject({ httpCallCount: 0, nPlusOne: [] });
  });
});

describe('loops (MN+1) on the request span', () => {
  it('adds one spanlens.n_plus_one.loop event for a loop body, keeping its statements as findings', () => {
    const { tracer, rootContext, end } = harness();
    let line = 0;
    for (let id = 1; id <= 5; id++) {
      const first = runQuery(tracer, rootContext, MEETING);
      if (id === 5) line = first;
      runQuery(tracer, rootContext, ATTENDEES);
    }
    const { events, summary } = end();
    expect(events('spanlens.n_plus_one')).toHaveLength(2);
    const [loop] = events('spanlens.n_plus_one.loop');
    expect(loop!.attributes).toMatchObject({
      'spanlens.n_plus_one.iterations': 5,
      'spanlens.n_plus_one.queries': [MEETING, ATTENDEES],
      'code.file.path': THIS_FILE,
      'code.line.number': line,
    });
    expect((loop!.attributes!['spanlens.n_plus_one.fingerprints'] as string[]).length).toBe(2);
    expect(summary.loops).toEqual([
      expect.objectContaining({ iterations: 5, statements: [expect.objectContaining({ query: MEETING }), expect.objectContaining({ query: ATTENDEES })] }),
    ]);
    expect(summary.nPlusOne.map((finding) => finding.inLoop)).toEqual([true, true]);
  });

  it('finds a loop body that runs a query, then a cache lookup, then an outgoing call, in that order', () => {
    const { tracer, rootContext, end } = harness();
    for (let id = 1; id <= 5; id++) {
      runQuery(tracer, rootContext, MEETING);
      const cache = { 'spanlens.cache.operation': 'get', 'spanlens.cache.hit': true, 'spanlens.cache.key_pattern': 'user:{id}' };
      tracer.startSpan('keyv.get', { kind: SpanKind.CLIENT, attributes: cache }, rootContext).end();
      outgoingCall(tracer, rootContext, { 'http.request.method': 'GET', 'url.full': `https://api.example.com/users/${id}` });
    }
    const { summary } = end();
    expect(summary.loops).toEqual([
      expect.objectContaining({
        iterations: 5,
        statements: [
          expect.objectContaining({ kind: 'db', query: MEETING }),
          expect.objectContaining({ kind: 'cache', query: 'keyv.get user:{id}' }),
          expect.objectContaining({ kind: 'http', query: 'GET api.example.com/users/{id}' }),
        ],
      }),
    ]);
  });

  it('adds no loop event for two N+1s one after the other', () => {
    const { tracer, rootContext, end } = harness();
    for (let id = 1; id <= 5; id++) runQuery(tracer, rootContext, MEETING);
    for (let id = 1; id <= 5; id++) runQuery(tracer, rootContext, ATTENDEES);
    const { events, summary } = end();
    expect(events('spanlens.n_plus_one')).toHaveLength(2);
    expect(events('spanlens.n_plus_one.loop')).toEqual([]);
    expect(summary.nPlusOne.map((finding) => finding.inLoop)).toEqual([false, false]);
  });
});
