import { Client } from 'pg';

export const DATABASE_URL = process.env.SPANLENS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema of its own for one test file, with the meetings tables the fixtures query, dropped at the end. */
export class TestSchema {
  readonly name = `spanlens_e2e_${process.pid}_${Date.now().toString(36)}`;

  async create(): Promise<void> {
    await this.run(`
      CREATE SCHEMA ${this.name};
      SET search_path TO ${this.name};
      CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL);
      CREATE TABLE meetings (id int PRIMARY KEY, title text NOT NULL, owner_id int NOT NULL REFERENCES users(id));
      CREATE TABLE attendees (meeting_id int NOT NULL REFERENCES meetings(id), user_id int NOT NULL REFERENCES users(id), PRIMARY KEY (meeting_id, user_id));
      CREATE TABLE audit_log (id serial PRIMARY KEY, user_id int NOT NULL, action text NOT NULL);
      INSERT INTO users SELECT i, 'user' || i || '@example.com' FROM generate_series(1, 20) AS i;
      INSERT INTO meetings SELECT i, 'Meeting ' || i, 1 + i % 20 FROM generate_series(1, 50) AS i;
      INSERT INTO attendees SELECT m, 1 + (m + k) % 20 FROM generate_series(1, 50) AS m, generate_series(1, 3) AS k;
    `);
  }

  async drop(): Promise<void> {
    await this.run(`DROP SCHEMA IF EXISTS ${this.name} CASCADE`);
  }

  /** The environment a fixture app needs to use this schema. */
  env(): Record<string, string> {
    return { DATABASE_URL, PGSCHEMA: this.name };
  }

  private async run(sql: string): Promise<void> {
    const client = new Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }
}
