import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { FIXTURES, REPO_ROOT } from './helpers/app-process';

/** The call site the fixture captures (against the built package), as it prints it. */
async function callSiteOf(nodeArgs: string[]): Promise<unknown> {
  const { stdout } = await promisify(execFile)(process.execPath, [...nodeArgs, path.join(FIXTURES, 'call-sites/mapped-app.mjs')], { cwd: REPO_ROOT });
  return JSON.parse(stdout);
}

describe('call sites in compiled code', () => {
  it('name the original file and line when source maps are on (--enable-source-maps)', async () => {
    expect(await callSiteOf(['--enable-source-maps'])).toEqual({ file: 'test/fixtures/call-sites/mapped-app.ts', line: 107, function: 'issueQuery' });
  });

  it('name the file and line that ran when they are off', async () => {
    expect(await callSiteOf([])).toEqual({ file: 'test/fixtures/call-sites/mapped-app.mjs', line: 7, function: 'issueQuery' });
  });
});
