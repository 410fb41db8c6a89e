import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findingsSection } from '../../../src/cli/findings-section';
import { colour } from '../../../src/cli/colour';
import { renderReport } from '../../../src/cli/report';
import type { Statistics } from '../../../src/stats/statistics';

const FIXTURES = join(__dirname, '../../fixtures/stats');
const GOLDEN = join(__dirname, '__golden__');
const load = (name: string): Statistics => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Statistics;

/** Compares with the golden file; `UPDATE_GOLDEN=1 npx jest test/unit/cli/findings-section` rewrites it. */
function expectGolden(name: string, text: string): void {
  const file = join(GOLDEN, name);
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(file, text);
  expect(text).toBe(readFileSync(file, 'utf8'));
}

const plain = colour(false);

describe('the N+1 section of spanlens report', () => {
  it('leads with the loop, then the findings seen outside loops, each with its call site and kind (golden)', () => {
    expectGolden('articles-findings.txt', renderReport(load('articles-findings')));
  });

  it('says so when no app frame was visible, and prints no call site line for snapshots saved before call sites', () => {
    const snapshot = load('articles-findings');
    expect(findingsSection(snapshot, plain, 10)).toContain('  call site:  no app frame visible');
    const old: Statistics = { ...snapshot, loops: undefined, nPlusOne: snapshot.nPlusOne.map(({ callSite: _, kind: __, inLoops: ___, ...rest }) => rest) };
    const text = findingsSection(old, plain, 10);
    expect(text).not.toContain('call site');
    expect(text).not.toContain('a loop runs');
    expect(text.match(/  query: {6}/g)).toHaveLength(4);
  });

  it('counts loops and findings together against the rows shown', () => {
    const snapshot = load('articles-findings');
    expect(findingsSection(snapshot, plain, 2).split('\n')[0]).toBe('N+1 queries (top 2 of 3)');
  });
});
