import { type ReceivedSpan, serverRoots } from './helpers/otlp-receiver';
import { TestSchema } from './helpers/postgres';
import { startTracedApp } from './helpers/traced-app';

const schema = new TestSchema();
beforeAll(() => schema.create());
afterAll(() => schema.drop());

/** The N+1 findings (query, repeats) on the request span of each corpus case asked for. */
async function findingsOf(env: Record<string, string>, cases: string[]): Promise<Record<string, Array<[string, number]>>> {
  const traced = await startTracedApp(schema, { app: 'corpus-app.cjs', env });
  try {
    for (const name of cases) expect((await fetch(traced.app.url(`/cases/${name}`))).status).toBe(200);
    const roots = serverRoots(await traced.receiver.waitFor((received) => serverRoots(received).length === cases.length));
    const byCase = (root: ReceivedSpan) => String(root.attributes['url.path']).split('/').pop()!;
    return Object.fromEntries(
      roots.map((root) => [
        byCase(root),
        root.events
          .filter((event) => event.name === 'spanlens.n_plus_one')
          .map((event): [string, number] => [String(event.attributes['spanlens.db.query']), Number(event.attributes['spanlens.n_plus_one.repeats'])]),
      ]),
    );
  } finally {
    await traced.stop();
  }
}

const ATTENDEES = 'SELECT user_id FROM attendees WHERE meeting_id = $1';

describe('the N+1 variables reach the detector of a preloaded app', () => {
  it('SPANLENS_N_PLUS_ONE_MIN_REPEATS=4 makes four repeats an N+1', async () => {
    const found = await findingsOf({ SPANLENS_N_PLUS_ONE_MIN_REPEATS: '4' }, ['four-repeats', 'three-parents']);
    expect(found['four-repeats']).toEqual([[expect.stringContaining('FROM attendees WHERE meeting_id = $1'), 4]]);
    expect(found['three-parents']).toEqual([]);
  });

  it('SPANLENS_N_PLUS_ONE_IGNORE drops the findings its pattern matches, and only those', async () => {
    const found = await findingsOf({ SPANLENS_N_PLUS_ONE_IGNORE: '/FROM attendees/' }, ['raw-loop', 'knex-loop']);
    expect(found['raw-loop']).toEqual([]);
    expect(found['knex-loop']).toEqual([[expect.stringContaining('users'), 8]]);
  });

  it('SPANLENS_N_PLUS_ONE_MIN_DURATION_MS drops repeats that took less in all', async () => {
    const found = await findingsOf({ SPANLENS_N_PLUS_ONE_MIN_DURATION_MS: '60000' }, ['raw-loop']);
    expect(found['raw-loop']).toEqual([]);
  });
});
