// The load benchmark's app: Express 5, a pg Pool and a keyv cache-aside on Redis, one route per load
// shape. Each mode of the benchmark runs this same file, bare or preloaded. It picks its ids at random
// (`?id=` fixes one, for the answers the benchmark compares across modes) and prints the port it
// listens on as `{"listening":PORT}`; over IPC it answers 'served?' with how many requests it served.
import KeyvRedis from '@keyv/redis';
import express from 'express';
import Keyv from 'keyv';
import pg from 'pg';
import { FIXTURE_SIZES, TEN_STATEMENTS } from './fixture-database.mjs';

// One connection per autocannon connection; idle connections stay open so that no run pays reconnects.
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10, idleTimeoutMillis: 0 });
// Errors throw: a bench whose cache silently failed would measure misses and call them hits.
const cache = new Keyv({
  store: new KeyvRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'),
  namespace: process.env.CACHE_NAMESPACE ?? 'loadbench',
  throwOnErrors: true,
});
const CACHE_TTL_MS = 10 * 60_000;
// Most lookups go to a few hot users; one in twenty goes anywhere, so some miss.
const HOT_USERS = 200;
const COLD_SHARE = 0.05;

const randomId = (max) => 1 + Math.floor(Math.random() * max);
const idOf = (request, max) => (request.query.id === undefined ? randomId(max) : Number(request.query.id));

const app = express();
app.get('/one', async (request, response) => {
  const { rows } = await pool.query('SELECT id, name, email FROM bench_users WHERE id = $1', [idOf(request, FIXTURE_SIZES.users)]);
  response.json(rows[0] ?? null);
});

app.get('/ten', async (request, response) => {
  // Ten different statements, one after the other: many queries, no N+1.
  const owner = idOf(request, FIXTURE_SIZES.owners);
  const answers = [];
  for (const statement of TEN_STATEMENTS) answers.push((await pool.query(statement, [owner])).rows);
  response.json(answers);
});

app.get('/n-plus-one', async (request, response) => {
  const owner = idOf(request, FIXTURE_SIZES.owners);
  const meetings = await pool.query('SELECT id, title FROM bench_meetings WHERE owner_id = $1 ORDER BY id LIMIT 20', [owner]);
  // The N+1: one lookup per meeting instead of one `= ANY($1)`.
  for (const meeting of meetings.rows) {
    meeting.attendees = (await pool.query('SELECT user_id FROM bench_attendees WHERE meeting_id = $1 ORDER BY user_id', [meeting.id])).rows.map(
      (row) => row.user_id,
    );
  }
  response.json(meetings.rows);
});

app.get('/cached', async (request, response) => {
  const id = request.query.id !== undefined ? Number(request.query.id) : Math.random() < COLD_SHARE ? randomId(FIXTURE_SIZES.users) : randomId(HOT_USERS);
  const key = `user:${id}`;
  let user = await cache.get(key);
  if (user === undefined) {
    const { rows } = await pool.query('SELECT id, name, email FROM bench_users WHERE id = $1', [id]);
    user = rows[0] ?? null;
    await cache.set(key, user, CACHE_TTL_MS);
  }
  response.json(user);
});

// The benchmark fails on any answer but 200: say why on stderr, once per kind of error.
const reported = new Set();
app.use((error, _request, response, _next) => {
  const message = String(error?.stack ?? error);
  if (!reported.has(message) && reported.size < 20) {
    reported.add(message);
    console.error(`fixture-app: ${message}`);
  }
  response.status(500).json({ error: String(error) });
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ listening: server.address().port }));
});

// Requests handled so far, for the benchmark over its IPC channel: it counts per request what the app
// served, including the requests autocannon stops waiting for when a run's time is up. A listener on
// the server rather than a middleware, which would add a span to every request in the traced modes.
let served = 0;
server.on('request', (_request, response) => response.once('close', () => served++));
process.on('message', (message) => {
  if (message === 'served?') process.send?.({ served });
});
