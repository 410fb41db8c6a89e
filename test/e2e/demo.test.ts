import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './helpers/app-process';

interface Snapshot {
  requests: number;
  nPlusOne: Array<{ route: string; query: string; repeats: number; suggestion: string }>;
  cache: { hits: number; misses: number; hitRate: number | null };
  endpoints: Array<{ method: string; route: string; requests: number; dbQueriesAvg: number; avgMs: number }>;
}

const outputDir = mkdtempSync(path.join(tmpdir(), 'spanlens-demo-'));
let result: { code: number | null; stdout: string; stderr: string };

beforeAll(async () => {
  // The demo as a user runs it, with no database: embedded PostgreSQL, --quick load.
  const env: NodeJS.ProcessEnv = { ...process.env, DEMO_OUTPUT_DIR: outputDir };
  delete env['DATABASE_URL'];
  delete env['REDIS_URL'];
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'demo/run.mjs'), '--quick'], { cwd: REPO_ROOT, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  result = { code, stdout, stderr };
}, 180_000);

afterAll(() => rmSync(outputDir, { recursive: true, force: true }));

const snapshot = (mode: string): Snapshot => JSON.parse(readFileSync(path.join(outputDir, `${mode}.json`), 'utf8')) as Snapshot;
const endpoint = (s: Snapshot, route: string) => s.endpoints.find((e) => e.route === route)!;

describe('npm run demo -- --quick', () => {
  it('ends with exit code 0 and prints the comparison', () => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Compared with the baseline');
    expect(result.stdout).toMatch(/Overall: [\d.]+ % faster/);
  });

  it('saves a report per version covering every request it sent', () => {
    expect(snapshot('naive').requests).toBe(150);
    expect(snapshot('optimized').requests).toBe(150);
  });

  it('finds the N+1 on the naive meeting list, with a batching suggestion, and none after optimization', () => {
    const naiveFindings = snapshot('naive').nPlusOne.filter((finding) => finding.route === '/users/:userId/meetings');
    expect(naiveFindings).toHaveLength(1);
    expect(naiveFindings[0]!.query).toMatch(/FROM attendees WHERE meeting_id = \$1/);
    expect(naiveFindings[0]!.repeats).toBe(20);
    expect(naiveFindings[0]!.suggestion).toContain('attendees.meeting_id = ANY($1)');
    expect(snapshot('optimized').nPlusOne).toEqual([]);
    expect(result.stdout).toContain('N+1');
  });

  it('serves a good part of the optimized reads from the cache, even in a short run', () => {
    expect(snapshot('naive').cache.hits + snapshot('naive').cache.misses).toBe(0);
    expect(snapshot('optimized').cache.hitRate).toBeGreaterThan(0.3);
  });

  it('reports fewer queries per request after optimization', () => {
    const naiveList = endpoint(snapshot('naive'), '/users/:userId/meetings');
    const optimizedList = endpoint(snapshot('optimized'), '/users/:userId/meetings');
    // The naive list loads each of its 20 meetings' attendees in a loop.
    expect(naiveList.dbQueriesAvg).toBe(21);
    expect(optimizedList.dbQueriesAvg).toBeLessThan(1);
  });
});
