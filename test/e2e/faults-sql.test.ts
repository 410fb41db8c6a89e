import { Answers, answerOf } from './helpers/answers';
import { AppProcess } from './helpers/app-process';
import { FAULT_APP, diagnosticLines, processReport } from './helpers/fault-app';
import { serverRoots } from './helpers/otlp-receiver';
import { TestSchema } from './helpers/postgres';
import { ProcessMemory } from './helpers/process-memory';
import { type TracedApp, startTracedApp } from './helpers/traced-app';

// The statements are in test/fixtures/faults/statements.cjs.
/** A megabyte IN list, literal and bulk INSERT, and 3,000 nested parentheses: PostgreSQL runs them. */
const ACCEPTED = ['large-in-list', 'large-literal', 'large-insert', 'deeply-nested'];
/** Typos, unterminated strings, comments and quotes, unbalanced parentheses: PostgreSQL rejects them. */
const REJECTED = [
  'typo',
  'unterminated-string',
  'unterminated-comment',
  'unterminated-dollar-quote',
  'unbalanced',
  'backslash-quote',
  'large-unterminated-string',
  'large-open-parentheses',
];
const PATHS = [...ACCEPTED, ...REJECTED].map((kind) => `/sql/${kind}`);
/**
 * A sanity bound on peak RSS: the preloaded app settles near 300 MiB under this load on Node 22 and near
 * 750 MiB on Node 24, whose V8 collects later on a machine with this much memory. What spanlens retains
 * is bounded by faults-otlp (heap after a full collection) and faults-unended-spans.
 */
const RSS_CEILING_MIB = 1_024;

const schema = new TestSchema();
beforeAll(() => schema.create());
afterAll(() => schema.drop());
jest.setTimeout(90_000);

async function runEachStatement(app: AppProcess): Promise<Answers> {
  const answers = new Answers();
  for (const path of PATHS) answers.record(path, await answerOf(await fetch(app.url(path))));
  return answers;
}

describe('SQL a megabyte long, deeply nested, or that PostgreSQL rejects', () => {
  let traced: TracedApp;
  afterEach(() => traced?.stop());

  it('is fingerprinted without a throw or a warning, and the app answers exactly as without spanlens', async () => {
    const plain = await AppProcess.start({ app: FAULT_APP, preload: 'none', env: schema.env() });
    const expected = await runEachStatement(plain);
    await plain.stop();

    traced = await startTracedApp(schema, { app: FAULT_APP });
    const memory = new ProcessMemory(traced.app.child.pid!);
    const answers = await runEachStatement(traced.app);
    const statistics = (await (await fetch(`http://127.0.0.1:${traced.metricsPort}/stats`)).json()) as { requests: number };
    const report = await processReport(traced.app);
    const peakRssMiB = memory.stop();
    const roots = serverRoots(await traced.receiver.waitFor((spans) => serverRoots(spans).length >= PATHS.length));

    expect(answers.distinct()).toEqual(expected.distinct());
    const statusOf = (kind: string) => answers.distinct()[`/sql/${kind}`]![0]!.status;
    expect(ACCEPTED.map(statusOf)).toEqual(ACCEPTED.map(() => 200));
    expect(REJECTED.map(statusOf)).toEqual(REJECTED.map(() => 400));
    expect(report.unhandledRejections).toEqual([]);
    expect(report.uncaughtExceptions).toEqual([]);
    expect(report.handlerErrors).toEqual([]);
    expect(peakRssMiB).toBeLessThan(RSS_CEILING_MIB);
    // spanlens reported no failure of its own (a throw inside it is caught and warned about once).
    expect(diagnosticLines(traced.app.stderr)).toEqual([]);

    // Each request ran one statement, and spanlens counted it, fingerprinted and summarized it.
    expect(statistics.requests).toBe(PATHS.length);
    const requestRoots = roots.filter((root) => String(root.attributes['url.path']).startsWith('/sql/'));
    expect(requestRoots.map((root) => root.attributes['spanlens.db.query_count'])).toEqual(PATHS.map(() => 1));
    const statements = traced.receiver.spans.filter((span) => span.attributes['db.system.name'] === 'postgresql' && span.name !== 'pg.connect' && span.name !== 'pg-pool.connect');
    expect(statements).toHaveLength(PATHS.length);
    for (const statement of statements) {
      expect(statement.attributes['spanlens.db.fingerprint']).toMatch(/^[0-9a-f]{16}$/);
      expect(String(statement.attributes['db.query.summary']).length).toBeLessThanOrEqual(120);
    }
    // The rejected ones are recorded as the errors they were.
    expect(statements.filter((span) => span.statusCode === 2)).toHaveLength(REJECTED.length);
  });
});
