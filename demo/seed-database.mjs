// Seeds the database at DATABASE_URL with the demo data (dropping what an earlier run left), then exits.
// The compose stack runs it before it starts the app; `npm run demo` seeds through run.mjs instead.
import pg from 'pg';
import { seed } from './seed.mjs';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('seed-database: set DATABASE_URL to the PostgreSQL database to seed');
  process.exit(2);
}

const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
try {
  await seed(pool);
  console.log('seed-database: demo data in place');
} catch (error) {
  console.error(`seed-database: seeding failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  await pool.end();
}
