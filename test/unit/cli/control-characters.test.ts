import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The built CLI in a child process (commander is an ES module jest cannot load), as the bin test runs it. */
const ROOT = join(__dirname, '../../..');
const RUN_CLI = join(ROOT, 'dist/src/cli/run-cli.js');
const scratch = mkdtempSync(join(tmpdir(), 'spanlens-control-'));
const NAIVE = join(__dirname, '../../fixtures/stats/meetings-naive.json');

/** Clears the screen, sets the window title, rings the bell; then C1 CSI, DEL and a right-to-left override. */
const HOSTILE = '\u001b[2J\u001b]0;PWNED\u0007\u009b31m\u007f\u202e';
// Every control character but the line feed that ends each line of output.
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
// The only escape sequences spanlens itself writes: colours (SGR).
const SPANLENS_COLOURS = /\u001b\[\d+m/g;

/** meetings-naive.json with hostile text in every string a request or a query could have put there. */
function hostileSnapshotFile(): string {
  const snapshot = JSON.parse(readFileSync(NAIVE, 'utf8'), (_key, value: unknown) => (typeof value === 'string' ? `${value}${HOSTILE}` : value));
  const file = join(scratch, `hostile-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(snapshot));
  return file;
}

function cli(argv: string[], isTTY = false): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const script = `
    import { runCli } from ${JSON.stringify(pathToFileURL(RUN_CLI).href)};
    process.exitCode = await runCli(${JSON.stringify(argv)}, {
      stdout: process.stdout, stderr: process.stderr, isTTY: ${isTTY}, env: {},
    });`;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT }, (error, stdout, stderr) => {
      resolve({ exitCode: error === null ? 0 : Number(error.code), stdout, stderr });
    });
  });
}

describe('spanlens report never prints a control character it was given', () => {
  it('escapes them in the report of a --file snapshot', async () => {
    const { exitCode, stdout } = await cli(['report', '--file', hostileSnapshotFile()]);
    expect(exitCode).toBe(0);
    expect(stdout).not.toMatch(CONTROL);
    expect(stdout).toContain('/meetings/:id\\x1B[2J\\x1B]0;PWNED\\x07\\x9B31m\\x7F\\u202E');
  });

  it('escapes them on a terminal too, where its own colours are the only escape sequences', async () => {
    const { stdout } = await cli(['report', '--file', hostileSnapshotFile()], true);
    expect(stdout).toMatch(SPANLENS_COLOURS);
    expect(stdout.replace(SPANLENS_COLOURS, '')).not.toMatch(CONTROL);
  });

  it('escapes them in the comparison with a --baseline', async () => {
    const file = hostileSnapshotFile();
    const { stdout } = await cli(['report', '--file', file, '--baseline', file]);
    expect(stdout).toContain('Compared with the baseline');
    expect(stdout).not.toMatch(CONTROL);
  });

  it('writes them as JSON escapes with --json, so the snapshot still reads back the same', async () => {
    const file = hostileSnapshotFile();
    const { stdout } = await cli(['report', '--file', file, '--json']);
    expect(stdout.replaceAll('\n', '')).not.toMatch(CONTROL);
    expect(JSON.parse(stdout)).toEqual(JSON.parse(readFileSync(file, 'utf8')));
  });

  it('escapes them in error messages: a file name, the reason a server gives', async () => {
    const missing = await cli(['report', '--file', join(scratch, `no-such${HOSTILE}.json`)]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/^spanlens: cannot read .*no-such\\x1B\[2J.*: no such file or directory\n$/);
    expect(missing.stderr.slice(0, -1)).not.toMatch(CONTROL);

    const server = createServer((_request, response) => response.end(`{"service": "x${HOSTILE}"}`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stats`;
      const notSnapshot = await cli(['report', '--url', url]);
      expect(notSnapshot.exitCode).toBe(2);
      expect(notSnapshot.stderr.slice(0, -1)).not.toMatch(CONTROL);
    } finally {
      server.close();
    }
  });

  it('escapes them in usage errors that quote an argument', async () => {
    const { exitCode, stderr } = await cli(['report', `--fi${HOSTILE}le`, 'x']);
    expect(exitCode).toBe(2);
    expect(stderr.slice(0, -1)).not.toMatch(CONTROL);
  });
});
