import { execFile } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './app-process';

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The built `spanlens` bin in a child process, as a user runs it (commander is ESM-only: jest cannot load it). */
export function runSpanlens(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete childEnv['NO_COLOR'];
    execFile(process.execPath, [path.join(REPO_ROOT, 'bin/spanlens.js'), ...args], { cwd: REPO_ROOT, env: childEnv }, (error, stdout, stderr) => {
      resolve({ exitCode: error === null ? 0 : Number(error.code), stdout, stderr });
    });
  });
}
