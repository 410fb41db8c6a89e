// The demo meetings app (modeled on SyncUp's): users, meetings, attendees, per-user settings.
// DEMO_MODE=naive loads each meeting's attendees in a loop (N+1) and caches nothing; DEMO_MODE=optimized
// batches them into one query and keeps pages in a keyv cache-aside, invalidated on writes;
// DEMO_MODE=mixed (the compose stack's) keeps the naive meeting list and caches the rest, so that the
// dashboards show an N+1 and a cache side by side.
import express from 'express';
import Keyv from 'keyv';
import pg from 'pg';

const MODES = ['naive', 'optimized', 'mixed'];
const mode = MODES.includes(process.env.DEMO_MODE) ? process.env.DEMO_MODE : 'naive';
/** Long enough to pass spanlens' default slow-query (200 ms) and slow-request (1 s) thresholds. */
const REPORT_PAUSE_SECONDS = 1.2;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
const cache = await createCache();

async function createCache() {
  let keyv;
  if (process.env.REDIS_URL) {
    const { default: KeyvRedis } = await import('@keyv/redis');
    keyv = new Keyv({ store: new KeyvRedis(process.env.REDIS_URL), namespace: 'syncup' });
  } else {
    keyv = new Keyv({ namespace: 'syncup' });
  }
  // A cache that fails is a miss, not a failed request.
  keyv.on('error', (error) => console.warn(`cache error: ${error.message}`));
  // The database was just seeded again: whatever an earlier run left in Redis is stale.
  await keyv.clear();
  return keyv;
}

/** Cache-aside: the cached value, or the loaded one stored for next time. */
async function cached(key, load) {
  const hit = await cache.get(key);
  if (hit !== undefined) return hit;
  const value = await load();
  await cache.set(key, value, 60_000);
  return value;
}

const naive = {
  async meetingsOf(userId) {
    const { rows: meetings } = await pool.query(
      `SELECT m.id, m.title, m.starts_at FROM meetings m JOIN attendees a ON a.meeting_id = m.id
        WHERE a.user_id = $1 ORDER BY m.starts_at LIMIT 20`,
      [userId],
    );
    for (const meeting of meetings) {
      const { rows } = await pool.query('SELECT user_id FROM attendees WHERE meeting_id = $1', [meeting.id]);
      meeting.attendees = rows.map((row) => row.user_id);
    }
    return meetings;
  },
  async meeting(meetingId) {
    const { rows } = await pool.query('SELECT id, title, owner_id, starts_at FROM meetings WHERE id = $1', [meetingId]);
    if (rows.length === 0) return undefined;
    const { rows: attendees } = await pool.query('SELECT user_id FROM attendees WHERE meeting_id = $1', [meetingId]);
    return { ...rows[0], attendees: attendees.map((row) => row.user_id) };
  },
  async settings(userId) {
    const { rows } = await pool.query('SELECT timezone, reminders FROM settings WHERE user_id = $1', [userId]);
    return rows[0];
  },
  async addAttendee(meetingId, userId) {
    await pool.query('INSERT INTO attendees (meeting_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [meetingId, userId]);
  },
};

const optimized = {
  meetingsOf(userId) {
    return cached(`meetings:${userId}:list`, async () => {
      const { rows: meetings } = await pool.query(
        `SELECT m.id, m.title, m.starts_at FROM meetings m JOIN attendees a ON a.meeting_id = m.id
          WHERE a.user_id = $1 ORDER BY m.starts_at LIMIT 20`,
        [userId],
      );
      // spanlens' suggestion for the naive loop: one batched lookup with an array parameter.
      const { rows } = await pool.query('SELECT meeting_id, user_id FROM attendees WHERE meeting_id = ANY($1)', [
        meetings.map((meeting) => meeting.id),
      ]);
      for (const meeting of meetings) {
        meeting.attendees = rows.filter((row) => row.meeting_id === meeting.id).map((row) => row.user_id);
      }
      return meetings;
    });
  },
  meeting(meetingId) {
    return cached(`meeting:${meetingId}:detail`, async () => {
      const { rows } = await pool.query(
        `SELECT m.id, m.title, m.owner_id, m.starts_at, array_agg(a.user_id ORDER BY a.user_id) AS attendees
           FROM meetings m LEFT JOIN attendees a ON a.meeting_id = m.id WHERE m.id = $1 GROUP BY m.id`,
        [meetingId],
      );
      return rows[0];
    });
  },
  settings(userId) {
    return cached(`user:${userId}:settings`, async () => {
      const { rows } = await pool.query('SELECT timezone, reminders FROM settings WHERE user_id = $1', [userId]);
      return rows[0];
    });
  },
  async addAttendee(meetingId, userId) {
    await pool.query('INSERT INTO attendees (meeting_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [meetingId, userId]);
    // Invalidate every page that shows this meeting's attendees.
    const { rows } = await pool.query('SELECT user_id FROM attendees WHERE meeting_id = $1', [meetingId]);
    await cache.deleteMany([`meeting:${meetingId}:detail`, ...rows.map((row) => `meetings:${row.user_id}:list`)]);
  },
};

const mixed = { ...optimized, meetingsOf: naive.meetingsOf };

/** Who attends most: deliberately slow (the pause stands in for a scan of a large table). */
async function attendanceReport() {
  // The uncorrelated subquery runs once (an InitPlan), however many rows there are.
  const { rows } = await pool.query(
    `SELECT user_id, count(*)::int AS meetings FROM attendees WHERE (SELECT pg_sleep($1)) IS NOT NULL
      GROUP BY user_id ORDER BY meetings DESC, user_id LIMIT 10`,
    [REPORT_PAUSE_SECONDS],
  );
  return rows.map((row) => ({ userId: row.user_id, meetings: row.meetings }));
}

const data = { naive, optimized, mixed }[mode];
const app = express();
app.use(express.json());

app.get('/users/:userId/meetings', async (request, response) => {
  response.json(await data.meetingsOf(Number(request.params.userId)));
});
app.get('/meetings/:meetingId', async (request, response) => {
  const meeting = await data.meeting(Number(request.params.meetingId));
  if (meeting === undefined) response.status(404).json({ error: 'no such meeting' });
  else response.json(meeting);
});
app.get('/users/:userId/settings', async (request, response) => {
  response.json((await data.settings(Number(request.params.userId))) ?? null);
});
app.post('/meetings/:meetingId/attendees', async (request, response) => {
  await data.addAttendee(Number(request.params.meetingId), Number(request.body.userId));
  response.status(204).end();
});
app.get('/reports/attendance', async (_request, response) => {
  response.json(await attendanceReport());
});
// A failed request answers 500 and logs one line (Express' default handler prints the whole stack).
app.use((error, request, response, _next) => {
  console.warn(`${request.method} ${request.originalUrl} failed: ${error.message}`);
  response.status(500).json({ error: 'internal error' });
});

// HOST=0.0.0.0 in a container; by default only this machine can reach the app.
const server = app.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  console.log(JSON.stringify({ listening: server.address().port, mode }));
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void pool.end();
  void cache.disconnect?.();
});
