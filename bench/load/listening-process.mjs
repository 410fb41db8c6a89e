// A long-lived child process that prints {"listening":PORT} once it serves: the benchmark's apps and sink.
import { spawn } from 'node:child_process';
import { BenchmarkFailure } from './benchmark-failure.mjs';

const STDERR_KEPT_CHARS = 8_000;
const START_TIMEOUT_MS = 60_000;

export class ListeningProcess {
  /** Spawns `node ...args` and resolves once it listens; rejects if it exits or stays silent first. */
  static start(name, args, env) {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const started = new ListeningProcess(name, child);
    return started.listening.then(() => started);
  }

  constructor(name, child) {
    this.name = name;
    this.child = child;
    this.pid = child.pid;
    this.stderrHead = '';
    this.stderrTail = '';
    this.stderrChars = 0;
    this.exited = false;
    this.stopping = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text) => this.keepStderr(text));
    this.ended = new Promise((resolve) => child.once('exit', (code, signal) => {
      this.exited = true;
      this.exit = signal ?? code;
      resolve();
    }));
    this.listening = new Promise((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => reject(new BenchmarkFailure(`${name} did not start listening within ${START_TIMEOUT_MS / 1000} s${this.stderrNote()}`)), START_TIMEOUT_MS);
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (text) => {
        stdout += text;
        const match = /\{"listening":(\d+)\}/.exec(stdout);
        if (match !== null && this.port === undefined) {
          this.port = Number(match[1]);
          clearTimeout(timer);
          resolve();
        }
      });
      this.ended.then(() => {
        clearTimeout(timer);
        reject(new BenchmarkFailure(`${name} exited (${this.exit}) before listening${this.stderrNote()}`));
      });
    });
  }

  /** Requests the app has served so far (the fixture app answers 'served?' over IPC). */
  served() {
    return new Promise((resolve, reject) => {
      if (this.exited) {
        reject(new BenchmarkFailure(`${this.name} has exited (${this.exit})${this.stderrNote()}`));
        return;
      }
      const onMessage = (message) => {
        if (typeof message?.served !== 'number') return;
        this.child.off('message', onMessage);
        resolve(message.served);
      };
      this.child.on('message', onMessage);
      this.ended.then(() => reject(new BenchmarkFailure(`${this.name} exited (${this.exit})${this.stderrNote()}`)));
      this.child.send('served?');
    });
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Keeps the start and the end of what it wrote, bounded: the first warning and the last words both matter. */
  keepStderr(text) {
    this.stderrChars += text.length;
    const room = STDERR_KEPT_CHARS / 2 - this.stderrHead.length;
    if (room > 0) {
      this.stderrHead += text.slice(0, room);
      text = text.slice(room);
    }
    this.stderrTail = (this.stderrTail + text).slice(-STDERR_KEPT_CHARS / 2);
  }

  /** What it wrote to stderr, with an ellipsis where the middle was left out. */
  get stderr() {
    const cut = this.stderrChars > this.stderrHead.length + this.stderrTail.length;
    return `${this.stderrHead}${cut ? '\n…\n' : ''}${this.stderrTail}`;
  }

  stderrNote() {
    return this.stderr.trim() === '' ? '' : `; its stderr:\n${this.stderr.trim()}`;
  }

  /** Ends it with SIGTERM (SIGKILL after 5 s) and waits for it to exit. */
  async stop() {
    this.stopping = true;
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.ended;
    clearTimeout(timer);
  }
}
