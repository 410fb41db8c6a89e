// Deterministic demo data: the same users, meetings, attendees and settings on every run.
export const SEED = { users: 200, meetings: 1000, attendeesPerMeeting: 6 };

const SCHEMA = `
  DROP TABLE IF EXISTS attendees, settings, meetings, users;
  CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL);
  CREATE TABLE settings (user_id int PRIMARY KEY REFERENCES users(id), timezone text NOT NULL, reminders boolean NOT NULL);
  CREATE TABLE meetings (id int PRIMARY KEY, title text NOT NULL, owner_id int NOT NULL REFERENCES users(id), starts_at timestamptz NOT NULL);
  CREATE TABLE attendees (meeting_id int NOT NULL REFERENCES meetings(id), user_id int NOT NULL REFERENCES users(id), PRIMARY KEY (meeting_id, user_id));
  CREATE INDEX attendees_user_id ON attendees (user_id);
  CREATE INDEX meetings_owner_id ON meetings (owner_id);
`;

export async function seed(pool) {
  const { users, meetings, attendeesPerMeeting } = SEED;
  await pool.query(SCHEMA);
  await pool.query(
    `INSERT INTO users SELECT i, 'User ' || i, 'user' || i || '@example.com' FROM generate_series(1, $1::int) AS i`,
    [users],
  );
  await pool.query(
    `INSERT INTO settings SELECT i, (ARRAY['UTC','Europe/Berlin','America/New_York'])[1 + i % 3], i % 2 = 0 FROM generate_series(1, $1::int) AS i`,
    [users],
  );
  await pool.query(
    `INSERT INTO meetings SELECT i, 'Meeting ' || i, 1 + (i * 7) % $2::int, timestamptz '2026-01-01' + (i || ' hours')::interval
       FROM generate_series(1, $1::int) AS i`,
    [meetings, users],
  );
  await pool.query(
    `INSERT INTO attendees SELECT DISTINCT m, 1 + (m * 13 + k * 31) % $2::int
       FROM generate_series(1, $1::int) AS m, generate_series(1, $3::int) AS k`,
    [meetings, users, attendeesPerMeeting],
  );
}
