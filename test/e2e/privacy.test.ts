import { execFile } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { REPO_ROOT } from './helpers/app-process';
import { serverRoots } from './helpers/otlp-receiver';
import { DATABASE_URL, TestSchema } from './helpers/postgres';
import { type TracedApp, startTracedApp } from './helpers/traced-app';

interface Person {
  id: number;
  first: string;
  last: string;
  username: string;
  fullName: string;
  email: string;
  token: string;
  search: string;
}

const people = require('../fixtures/privacy-people.cjs') as Person[];
const REDIS_URL = 'redis://127.0.0.1:6379';
const schema = new TestSchema();
const namespace = `spanlens-privacy-${process.pid}-${Date.now().toString(36)}`;

/** Every value of a person that must never leave through spanlens, each as the pattern that finds it. */
function secretsOf(person: Person): Array<{ value: string; pattern: RegExp }> {
  const words = [person.first, person.last, person.username, person.email, person.token, 'chlamydia'];
  return [
    ...words.map((word) => ({ value: word, pattern: new RegExp(word.replace(/[.@]/g, '\\$&'), 'i') })),
    // Whole numbers only: a nine-digit run inside a nanosecond timestamp is not an id.
    { value: String(person.id), pattern: new RegExp(`(?<!\\d)${person.id}(?!\\d)`) },
  ];
}
const SECRETS = people.flatMap(secretsOf);

/** Which secrets each emitted text holds: `source: secret`, empty when nothing leaked. */
function leaks(outputs: Record<string, string>): string[] {
  return Object.entries(outputs).flatMap(([source, text]) =>
    SECRETS.filter(({ pattern }) => pattern.test(text)).map(({ value }) => `${source}: ${value}`),
  );
}

function spanlensReport(metricsPort: number, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const bin = path.join(REPO_ROOT, 'bin/spanlens.js');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [bin, 'report', '--url', `http://127.0.0.1:${metricsPort}/stats`, ...args], { cwd: REPO_ROOT }, (error, stdout, stderr) =>
      error ? reject(new Error(`spanlens report failed: ${stderr}`)) : resolve({ stdout, stderr }),
    );
  });
}

async function text(url: string): Promise<string> {
  return (await fetch(url)).text();
}

async function createPeople(): Promise<void> {
  const client = new Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(`SET search_path TO ${schema.name}`);
    await client.query('CREATE TABLE people (id int PRIMARY KEY, username text, full_name text, email text, token text)');
    for (const person of people) {
      await client.query('INSERT INTO people VALUES ($1, $2, $3, $4, $5)', [person.id, person.username, person.fullName, person.email, person.token]);
    }
  } finally {
    await client.end();
  }
}

async function clearRedis(): Promise<void> {
  const { createKeyv } = require('@keyv/redis') as { createKeyv(url: string, options: { namespace: string }): { clear(): Promise<void>; disconnect(): Promise<void>; namespace?: string } };
  for (const name of [namespace, `${namespace}-cards`]) {
    const keyv = createKeyv(REDIS_URL, { namespace: name });
    if (keyv.namespace !== name) throw new Error('refusing to clear a namespace this test did not create');
    await keyv.clear();
    await keyv.disconnect();
  }
}

function start(env: Record<string, string> = {}): Promise<TracedApp> {
  return startTracedApp(schema, {
    app: 'privacy-app.mjs',
    env: { REDIS_URL, CACHE_NAMESPACE: namespace, SPANLENS_RESPONSE_HEADERS: 'all', OTEL_SERVICE_NAME: 'privacy-scan', ...env },
  });
}

beforeAll(async () => {
  await schema.create();
  await createPeople();
});
afterAll(async () => {
  await clearRedis();
  await schema.drop();
});

describe('the privacy scan', () => {
  let traced: TracedApp;
  beforeAll(async () => (traced = await start()));
  afterAll(() => traced?.stop());

  it('keeps the control characters of a URL out of the route label, /metrics, /stats and the report', async () => {
    expect((await fetch(traced.app.url('/files/x%1B%5B2J%1B%5D0%3BPWNED%07'))).status).toBe(200);
    const stats = await text(`http://127.0.0.1:${traced.metricsPort}/stats`);
    // The segment carries control characters, so it is content: the label keeps none of it.
    expect(stats).toContain('"route":"/files/{name}"');
    expect(stats).not.toContain('PWNED');
    const outputs = {
      metrics: await text(`http://127.0.0.1:${traced.metricsPort}/metrics`),
      stats,
      report: (await spanlensReport(traced.metricsPort)).stdout,
    };
    for (const [source, output] of Object.entries(outputs)) {
      expect({ source, control: /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(output) }).toEqual({ source, control: false });
    }
  });

  it("finds none of the names, e-mail addresses, tokens and ids in the app's queries and cache keys in anything spanlens emits", async () => {
    traced.receiver.clear();
    const get = async (pathname: string) => {
      const response = await fetch(traced.app.url(pathname));
      expect(response.status).toBe(200);
      return { body: await response.text(), cacheHit: response.headers.get('x-cache-hit') };
    };
    let requests = 0;
    const cardHits: Array<string | null> = [];
    for (let round = 0; round < 2; round++) {
      for (const [index, person] of people.entries()) {
        const profile = await get(`/people/${index}/profile`);
        // The values did go through the app: spanlens saw every one of them.
        expect(profile.body).toContain(person.token);
        await get(`/people/${index}/search`);
        cardHits.push((await get(`/people/${index}/card`)).cacheHit);
        requests += 3;
      }
      for (const index of [0, 1]) await get(`/people/${index}/slow`);
      for (const index of [2, 3]) await get(`/people/${index}/broken`);
      await get('/sessions');
      requests += 5;
    }
    // The two-store cache: cold everywhere in the first round; in the second the memory store misses and
    // Redis answers, one lookup that hit as the app saw it.
    expect(cardHits).toEqual([...Array(people.length).fill('miss'), ...Array(people.length).fill('hit')]);

    await traced.receiver.waitFor((spans) => serverRoots(spans).length >= requests);
    const stats = await text(`http://127.0.0.1:${traced.metricsPort}/stats`);
    const outputs: Record<string, string> = {
      'exported spans': traced.receiver.jsonExports.join('\n'),
      '/metrics': await text(`http://127.0.0.1:${traced.metricsPort}/metrics`),
      '/stats': stats,
      'spanlens report': Object.values(await spanlensReport(traced.metricsPort)).join('\n'),
      'spanlens report --json': Object.values(await spanlensReport(traced.metricsPort, '--json')).join('\n'),
    };
    await traced.stop();
    outputs['app stdout'] = traced.app.stdout;
    outputs['app stderr'] = traced.app.stderr;

    // What the scan reads is what it should be: statements, key patterns and findings all went out.
    const spans = traced.receiver.spans;
    expect(spans.map((span) => span.attributes['db.query.text'])).toContain(
      'SELECT id, username, full_name FROM people WHERE email = $1 AND id = $2',
    );
    expect(new Set(spans.map((span) => span.attributes['spanlens.cache.key_pattern']))).toEqual(
      new Set([undefined, 'session:{id}', 'user:{id}:prefs', 'user:{id}:meeting:{id}', '{id}:{id}', 'pwreset:{id}', 'profile:{id}', 'search:{id}', 'card:{id}']),
    );
    expect(spans.some((span) => span.events.some((event) => event.name === 'exception'))).toBe(true);
    const { nPlusOne, slowQueries } = JSON.parse(stats) as { nPlusOne: Array<{ query: string }>; slowQueries: Array<{ query: string }> };
    expect(nPlusOne.map((finding) => finding.query).sort()).toEqual(['SELECT id FROM people WHERE email = $1', 'keyv.get session:{id}']);
    expect(slowQueries.map((query) => query.query)).toContain('SELECT pg_sleep($1), $2 AS email, $3 AS id');
    expect(outputs['/metrics']).toContain('db_query_summary="keyv.get session:{id}"');
    expect(outputs['spanlens report']).toContain('keyv.get session:{id}');

    expect(leaks(outputs)).toEqual([]);
  });

  it('lets the statements out as the driver gave them with SPANLENS_DB_QUERY_TEXT=raw, which the scan catches', async () => {
    const raw = await start({ SPANLENS_DB_QUERY_TEXT: 'raw' });
    try {
      await fetch(raw.app.url('/people/4/profile'));
      await raw.receiver.waitFor((spans) => serverRoots(spans).length === 1);
    } finally {
      await raw.stop();
    }
    const person = people[4]!;
    const statement = `SELECT id, username, full_name FROM people WHERE email = '${person.email}' AND id = ${person.id}`;
    expect(raw.receiver.spans.map((span) => span.attributes['db.query.text'])).toContain(statement);
    expect(leaks({ 'exported spans': raw.receiver.jsonExports.join('\n') })).toEqual(
      expect.arrayContaining([`exported spans: ${person.email}`, `exported spans: ${person.id}`]),
    );
  });
});
