// The tables the load benchmark's app reads, in the database `test`, every name prefixed `bench_`.
// The benchmark creates them afresh at each start, so a run never depends on what an earlier one left.
import pg from 'pg';

export const FIXTURE_SIZES = {
  users: 10_000,
  teams: 100,
  // Users 1..owners own 40 meetings each, so the N+1 route always finds its 20.
  owners: 500,
  meetings: 20_000,
};

/** The `/ten` route's statements: ten different shapes, each taking one user (owner) id. */
export const TEN_STATEMENTS = [
  'SELECT id, name, email FROM bench_users WHERE id = $1',
  'SELECT t.id, t.name FROM bench_teams t JOIN bench_users u ON u.team_id = t.id WHERE u.id = $1',
  'SELECT count(*)::int AS meetings FROM bench_meetings WHERE owner_id = $1',
  'SELECT id, title FROM bench_meetings WHERE owner_id = $1 ORDER BY id DESC LIMIT 5',
  'SELECT count(*)::int AS attended FROM bench_attendees WHERE user_id = $1',
  'SELECT meeting_id FROM bench_attendees WHERE user_id = $1 ORDER BY meeting_id LIMIT 5',
  'SELECT count(*)::int AS teammates FROM bench_users WHERE team_id = (SELECT team_id FROM bench_users WHERE id = $1)',
  'SELECT min(id) AS first_meeting, max(id) AS last_meeting FROM bench_meetings WHERE owner_id = $1',
  'SELECT id, name FROM bench_users WHERE id IN ($1 + 1, $1 + 2) ORDER BY id',
  'SELECT title FROM bench_meetings WHERE id = $1',
];

/** Drops and creates the benchmark's tables with their rows. */
export async function createFixtureTables(databaseUrl) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`
      DROP TABLE IF EXISTS bench_attendees, bench_meetings, bench_users, bench_teams;
      CREATE TABLE bench_teams (id int PRIMARY KEY, name text NOT NULL);
      CREATE TABLE bench_users (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL, team_id int NOT NULL);
      CREATE TABLE bench_meetings (id int PRIMARY KEY, title text NOT NULL, owner_id int NOT NULL);
      CREATE TABLE bench_attendees (meeting_id int NOT NULL, user_id int NOT NULL, PRIMARY KEY (meeting_id, user_id));
      INSERT INTO bench_teams SELECT i, 'Team ' || i FROM generate_series(1, ${FIXTURE_SIZES.teams}) AS i;
      INSERT INTO bench_users SELECT i, 'User ' || i, 'user' || i || '@example.com', 1 + i % ${FIXTURE_SIZES.teams}
        FROM generate_series(1, ${FIXTURE_SIZES.users}) AS i;
      INSERT INTO bench_meetings SELECT i, 'Meeting ' || i, 1 + i % ${FIXTURE_SIZES.owners} FROM generate_series(1, ${FIXTURE_SIZES.meetings}) AS i;
      INSERT INTO bench_attendees SELECT m, 1 + (m * 7 + k * 13) % ${FIXTURE_SIZES.users}
        FROM generate_series(1, ${FIXTURE_SIZES.meetings}) AS m, generate_series(1, 3) AS k;
      CREATE INDEX ON bench_users (team_id);
      CREATE INDEX ON bench_meetings (owner_id);
      CREATE INDEX ON bench_attendees (user_id);
      ANALYZE bench_teams, bench_users, bench_meetings, bench_attendees;
    `);
  } finally {
    await client.end();
  }
}
