import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../../src/cli/cli-io';
import { type ReportCommandOptions, runReport } from '../../../src/cli/run-report';

const FIXTURES = join(__dirname, '../../fixtures/stats');
const NAIVE = join(FIXTURES, 'meetings-naive.json');
const OPTIMIZED = join(FIXTURES, 'meetings-optimized.json');
const scratch = mkdtempSync(join(tmpdir(), 'spanlens-report-'));

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

async function run(options: ReportCommandOptions, terminal: Partial<Pick<CliIo, 'isTTY' | 'env'>> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    isTTY: terminal.isTTY ?? false,
    env: terminal.env ?? {},
  };
  const exitCode = await runReport(options, io);
  return { exitCode, stdout, stderr };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function expectOneErrorLine(result: Run, line: string | RegExp): void {
  expect(result.exitCode).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr.endsWith('\n')).toBe(true);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr.trimEnd()).toMatch(line);
}

const ANSI = /\u001b\[\d+m/;

describe('runReport', () => {
  it('prints the report of a saved snapshot and exits 0', async () => {
    const result = await run({ source: { file: NAIVE } });
    expect(result).toEqual({
      exitCode: 0,
      stdout: readFileSync(join(__dirname, '__golden__/meetings-naive.txt'), 'utf8'),
      stderr: '',
    });
  });

  it('prints the snapshot as JSON that parses back to the identical snapshot (--json)', async () => {
    const result = await run({ source: { file: NAIVE }, json: true });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(JSON.parse(readFileSync(NAIVE, 'utf8')));
  });

  it('writes the snapshot to --save in addition to printing it, readable by --file', async () => {
    const saved = join(scratch, 'saved.json');
    const result = await run({ source: { file: OPTIMIZED }, saveFile: saved });
    expect(result.stdout).toContain('Top endpoints by total time');
    expect(JSON.parse(readFileSync(saved, 'utf8'))).toEqual(JSON.parse(readFileSync(OPTIMIZED, 'utf8')));
    expect((await run({ source: { file: saved }, json: true })).stdout).toBe(readFileSync(saved, 'utf8'));
  });

  it('adds the comparison with --baseline', async () => {
    const result = await run({ source: { file: OPTIMIZED }, baselineFile: NAIVE });
    expect(result.stdout).toBe(readFileSync(join(__dirname, '__golden__/meetings-optimized-vs-naive.txt'), 'utf8'));
  });

  describe('colour', () => {
    it('is used on a terminal', async () => {
      expect((await run({ source: { file: NAIVE } }, { isTTY: true })).stdout).toMatch(ANSI);
    });

    it('is not used on a terminal when NO_COLOR is set', async () => {
      expect((await run({ source: { file: NAIVE } }, { isTTY: true, env: { NO_COLOR: '' } })).stdout).not.toMatch(ANSI);
    });

    it('is not used when stdout is not a terminal', async () => {
      expect((await run({ source: { file: NAIVE } }, { isTTY: false })).stdout).not.toMatch(ANSI);
    });

    it('is never in the JSON', async () => {
      expect((await run({ source: { file: NAIVE }, json: true }, { isTTY: true })).stdout).not.toMatch(ANSI);
    });
  });

  describe('exits 2 with one line on stderr', () => {
    it('for an unreachable URL', async () => {
      const url = `http://127.0.0.1:${await closedPort()}/stats`;
      expectOneErrorLine(await run({ source: { url } }), `spanlens: cannot read ${url}: connection refused`);
    });

    it('for a missing file', async () => {
      const file = join(scratch, 'nope.json');
      expectOneErrorLine(await run({ source: { file } }), `spanlens: cannot read ${file}: no such file or directory`);
    });

    it('for invalid JSON', async () => {
      const file = join(scratch, 'invalid.json');
      writeFileSync(file, 'not json\n{');
      expectOneErrorLine(await run({ source: { file } }), new RegExp(`^spanlens: cannot read ${file}: invalid JSON \\(`));
    });

    it('for JSON that is not a snapshot', async () => {
      const file = join(scratch, 'other.json');
      writeFileSync(file, '{"hello": "world"}');
      expectOneErrorLine(await run({ source: { file } }), `spanlens: ${file} is not a spanlens statistics snapshot: service is missing`);
    });

    it('for a bad baseline, without printing the report', async () => {
      const file = join(scratch, 'no-baseline.json');
      expectOneErrorLine(await run({ source: { file: NAIVE }, baselineFile: file }), `spanlens: cannot read ${file}: no such file or directory`);
    });

    it('for a --save file that cannot be written', async () => {
      const file = join(scratch, 'missing-dir', 'saved.json');
      expectOneErrorLine(await run({ source: { file: NAIVE }, saveFile: file }), `spanlens: cannot write ${file}: no such file or directory`);
    });
  });
});
