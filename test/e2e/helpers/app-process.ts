import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const FIXTURES = path.join(REPO_ROOT, 'test/fixtures');

export type Preload = 'import' | 'require' | 'none';

export interface AppOptions {
  /** Fixture file name under test/fixtures, or an absolute path. */
  app: string;
  preload?: Preload;
  /** What to preload: defaults to the checkout's register.js / register.cjs. */
  preloadSpecifier?: string;
  /** More Node.js options, after the preload. */
  nodeArgs?: string[];
  /** Arguments for the app, after its file. */
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/** A fixture app running in a child process (jest cannot see loader hooks, so preloads run for real). */
export class AppProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  static async start(options: AppOptions): Promise<AppProcess> {
    const preload = options.preload ?? 'import';
    const args: string[] = [];
    if (preload !== 'none') {
      const defaultSpecifier = path.join(REPO_ROOT, preload === 'import' ? 'register.js' : 'register.cjs');
      args.push(`--${preload}`, options.preloadSpecifier ?? defaultSpecifier);
    }
    args.push(...(options.nodeArgs ?? []));
    args.push(path.isAbsolute(options.app) ? options.app : path.join(FIXTURES, options.app));
    args.push(...(options.args ?? []));
    const child = spawn(process.execPath, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`app did not start in time\nstdout: ${stdout}\nstderr: ${stderr}`)), 20_000);
      const onData = (): void => {
        const match = /"listening":\s*(\d+)/.exec(stdout);
        if (match) {
          clearTimeout(timer);
          child.stdout!.off('data', onData);
          resolve(Number(match[1]));
        }
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`app exited with ${code} before listening\nstdout: ${stdout}\nstderr: ${stderr}`));
      });
    });
    const app = new AppProcess(child, port);
    app.stdout = stdout;
    app.stderr = stderr;
    child.stdout!.on('data', (chunk: Buffer) => (app.stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (app.stderr += chunk.toString()));
    return app;
  }

  url(pathname: string): string {
    return `http://127.0.0.1:${this.port}${pathname}`;
  }

  /** Ends the app with SIGTERM (which makes spanlens flush) and waits for it to exit. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
