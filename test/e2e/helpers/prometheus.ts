import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './app-process';

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PrometheusOptions {
  /** Scrape job name (the `job` label). */
  job?: string;
  /** Targets also scraped but expected down (nothing listens there). */
  downTargets?: string[];
  /** An existing TSDB directory to serve (for example one built by promtool); the server scrapes nothing then. */
  dataDir?: string;
}

/** A real Prometheus server (Debian's `prometheus`) scraping the given targets every second. */
export class PrometheusServer {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'spanlens-prometheus-'));
  private port = 0;
  private log = '';

  constructor(
    private readonly targets: string[],
    private readonly options: PrometheusOptions = {},
  ) {}

  /** The base URL of its HTTP API. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.port = await freePort();
    const job = this.options.job ?? 'spanlens';
    const scraped = [...this.targets, ...(this.options.downTargets ?? [])];
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      ...(scraped.length === 0
        ? []
        : ['scrape_configs:', `  - job_name: ${job}`, '    static_configs:', `      - targets: [${scraped.map((target) => `'${target}'`).join(', ')}]`]),
      '',
    ].join('\n');
    writeFileSync(path.join(this.dir, 'prometheus.yml'), config);
    this.child = spawn(
      'prometheus',
      [
        `--config.file=${path.join(this.dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${this.options.dataDir ?? path.join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child.stderr!.on('data', (chunk: Buffer) => (this.log = (this.log + chunk.toString()).slice(-4000)));
    const missing = new Promise<never>((_, reject) =>
      this.child!.once('error', (error) => reject(new Error(`cannot run prometheus (${error.message}); install it: apt-get install -y prometheus`))),
    );
    const ready =
      this.targets.length === 0
        ? this.waitFor('vector(1)', (samples) => samples.length === 1, 60_000)
        : this.waitFor(`up{job="${job}"} == 1`, (samples) => samples.length === this.targets.length, 30_000);
    await Promise.race([missing, ready]);
  }

  async stop(): Promise<void> {
    if (this.child && this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child!.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs an instant PromQL query through the HTTP API. */
  async query(promql: string): Promise<PromSample[]> {
    const response = await fetch(`http://127.0.0.1:${this.port}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as { status: string; error?: string; data?: { result: PromSample[] } };
    if (body.status !== 'success') throw new Error(`PromQL ${promql} failed: ${body.error}`);
    return body.data!.result;
  }

  /** Polls a query until its result satisfies `done`. */
  async waitFor(promql: string, done: (samples: PromSample[]) => boolean, timeoutMs = 20_000): Promise<PromSample[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const samples = await this.query(promql);
        if (done(samples)) return samples;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${promql}\n${this.log}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
