import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The built CLI, run as a user runs it: `node bin/spanlens.js …` in a child process. */
const ROOT = join(__dirname, '../../..');
const BIN = join(ROOT, 'bin/spanlens.js');
const RUN_CLI = join(ROOT, 'dist/src/cli/run-cli.js');
const FIXTURES = join(ROOT, 'test/fixtures/stats');
const NAIVE = join(FIXTURES, 'meetings-naive.json');
const OPTIMIZED = join(FIXTURES, 'meetings-optimized.json');
const GOLDEN = join(__dirname, '__golden__');
const scratch = mkdtempSync(join(tmpdir(), 'spanlens-bin-'));

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

function node(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    const childEnv = { ...process.env };
    delete childEnv['NO_COLOR'];
    Object.assign(childEnv, env);
    execFile(process.execPath, args, { cwd: ROOT, env: childEnv }, (error, stdout, stderr) => {
      resolve({ exitCode: error === null ? 0 : Number(error.code), stdout, stderr });
    });
  });
}

const spanlens = (...args: string[]): Promise<Run> => node([BIN, ...args]);

/** Calls the built `runCli` with a chosen terminal and environment, as `main.ts` does with the real ones. */
function runCliWith(args: string[], isTTY: boolean, env: Record<string, string>): Promise<Run> {
  const script = `
    import { runCli } from ${JSON.stringify(pathToFileURL(RUN_CLI).href)};
    process.exitCode = await runCli(${JSON.stringify(args)}, {
      stdout: process.stdout, stderr: process.stderr, isTTY: ${isTTY}, env: ${JSON.stringify(env)},
    });`;
  return node(['--input-type=module', '-e', script]);
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function expectOneErrorLine(result: Run, line: string | RegExp): void {
  expect(result.stdout).toBe('');
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr.trimEnd()).toMatch(line);
  expect(result.exitCode).toBe(2);
}

beforeAll(() => {
  // The CLI under test is the one built from these sources: a failed build fails the suite, with tsc's words.
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', ROOT], { stdio: 'pipe' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`the build failed:\n${String(stdout ?? '')}${String(stderr ?? '')}`);
  }
});

describe('spanlens (built, in a child process)', () => {
  it('prints the report of --file and exits 0', async () => {
    const result = await spanlens('report', '--file', NAIVE);
    expect(result).toEqual({ exitCode: 0, stdout: readFileSync(join(GOLDEN, 'meetings-naive.txt'), 'utf8'), stderr: '' });
  });

  it('prints the comparison with --baseline', async () => {
    const result = await spanlens('report', '--file', OPTIMIZED, '--baseline', NAIVE);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(readFileSync(join(GOLDEN, 'meetings-optimized-vs-naive.txt'), 'utf8'));
  });

  it('round-trips the snapshot through --json', async () => {
    const result = await spanlens('report', '--file', OPTIMIZED, '--json');
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(JSON.parse(readFileSync(OPTIMIZED, 'utf8')));
  });

  it('reads from --url and writes --save', async () => {
    const body = readFileSync(NAIVE, 'utf8');
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const saved = join(scratch, 'from-url.json');
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stats`;
      const result = await spanlens('report', '--url', url, '--save', saved);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain('Top endpoints by total time');
      expect(JSON.parse(readFileSync(saved, 'utf8'))).toEqual(JSON.parse(body));
    } finally {
      server.close();
    }
  });

  it('does not colour output that is not a terminal', async () => {
    expect((await spanlens('report', '--file', NAIVE)).stdout).not.toMatch(/\u001b\[/);
  });

  it('colours a terminal unless NO_COLOR is set', async () => {
    expect((await runCliWith(['report', '--file', NAIVE], true, {})).stdout).toMatch(/\u001b\[1mspanlens report\u001b\[22m/);
    expect((await runCliWith(['report', '--file', NAIVE], true, { NO_COLOR: '1' })).stdout).not.toMatch(/\u001b\[/);
    expect((await runCliWith(['report', '--file', NAIVE], false, {})).stdout).not.toMatch(/\u001b\[/);
  });

  it('prints help and the version with exit code 0', async () => {
    const help = await spanlens('report', '--help');
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('Usage: spanlens report [options]');
    expect(help.stdout).toContain('http://127.0.0.1:9464/stats');
    expect(await spanlens('--version')).toEqual({ exitCode: 0, stdout: '0.1.0\n', stderr: '' });
  });

  describe('exits 2 with one line on stderr', () => {
    it('for an unreachable URL', async () => {
      const url = `http://127.0.0.1:${await closedPort()}/stats`;
      expectOneErrorLine(await spanlens('report', '--url', url), `spanlens: cannot read ${url}: connection refused`);
    });

    it('for a missing file', async () => {
      const file = join(scratch, 'missing.json');
      expectOneErrorLine(await spanlens('report', '--file', file), `spanlens: cannot read ${file}: no such file or directory`);
    });

    it('for invalid JSON', async () => {
      const file = join(scratch, 'invalid.json');
      writeFileSync(file, '{"service": ');
      expectOneErrorLine(await spanlens('report', '--file', file), new RegExp(`^spanlens: cannot read ${file}: invalid JSON \\(`));
    });

    it('for a snapshot not in the Statistics shape', async () => {
      const file = join(scratch, 'shape.json');
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(NAIVE, 'utf8')), cache: null }));
      expectOneErrorLine(await spanlens('report', '--file', file), `spanlens: ${file} is not a spanlens statistics snapshot: cache is not an object`);
    });

    it('for an unknown flag', async () => {
      expectOneErrorLine(await spanlens('report', '--bogus'), /^spanlens: unknown option '--bogus'/);
    });

    it('for an unknown command', async () => {
      expectOneErrorLine(await spanlens('repot'), /^spanlens: unknown command 'repot'/);
    });

    it('for no command', async () => {
      expectOneErrorLine(await spanlens(), "spanlens: missing command; try 'spanlens report --help'");
    });

    it('for --url together with --file', async () => {
      expectOneErrorLine(
        await spanlens('report', '--url', 'http://127.0.0.1:9464/stats', '--file', NAIVE),
        /^spanlens: option '--file <file>' cannot be used with option '--url <url>'$/,
      );
    });

    it('for a stray argument', async () => {
      expectOneErrorLine(await spanlens('report', 'now'), /^spanlens: too many arguments for 'report'/);
    });

    it('for a flag missing its value', async () => {
      expectOneErrorLine(await spanlens('report', '--file'), /^spanlens: option '--file <file>' argument missing$/);
    });
  });
});
