import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../e2e/helpers/app-process';
import type { PromSample } from '../../e2e/helpers/prometheus';

export interface ScrapeJob {
  name: string;
  targets: string[];
}

/** A series of a range query: its labels and [unix seconds, value] points. */
export interface PromRangeSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

export interface PromRule {
  name: string;
  type: 'recording' | 'alerting';
  health: string;
  lastError?: string;
}

/**
 * A real Prometheus (Debian's 2.42) like the stack's: one scrape job per service, named after it, and rule
 * files loaded, scraping and evaluating every second so that a test sees data within seconds. The e2e
 * PrometheusServer scrapes one job without rules; this one takes jobs and rule files.
 */
export class StackPrometheus {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'spanlens-stack-prometheus-'));
  private port = 0;
  private log = '';

  constructor(
    private readonly jobs: ScrapeJob[],
    private readonly ruleFiles: string[],
  ) {}

  async start(): Promise<void> {
    this.port = await freePort();
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'rule_files:',
      ...this.ruleFiles.map((file) => `  - '${file}'`),
      'scrape_configs:',
      ...this.jobs.flatMap((job) => [
        `  - job_name: '${job.name}'`,
        '    static_configs:',
        `      - targets: [${job.targets.map((target) => `'${target}'`).join(', ')}]`,
      ]),
      '',
    ].join('\n');
    writeFileSync(path.join(this.dir, 'prometheus.yml'), config);
    this.child = spawn(
      'prometheus',
      [
        `--config.file=${path.join(this.dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child.stderr!.on('data', (chunk: Buffer) => (this.log = (this.log + chunk.toString()).slice(-4000)));
    const missing = new Promise<never>((_, reject) =>
      this.child!.once('error', (error) => reject(new Error(`cannot run prometheus (${error.message}); install it: apt-get install -y prometheus`))),
    );
    const targets = this.jobs.reduce((count, job) => count + job.targets.length, 0);
    await Promise.race([missing, this.waitFor('up == 1', (samples) => samples.length === targets, 30_000)]);
  }

  async stop(): Promise<void> {
    if (this.child && this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child!.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** An instant query through the HTTP API, at the latest evaluation time. */
  async query(promql: string): Promise<PromSample[]> {
    const data = await this.api<{ result: PromSample[] }>('query', { query: promql });
    return data.result;
  }

  /** A range query through the HTTP API, as Grafana runs a time-series panel. */
  async queryRange(promql: string, startSeconds: number, endSeconds: number, stepSeconds: number): Promise<PromRangeSeries[]> {
    const data = await this.api<{ result: PromRangeSeries[] }>('query_range', {
      query: promql,
      start: String(startSeconds),
      end: String(endSeconds),
      step: String(stepSeconds),
    });
    return data.result;
  }

  /** The values of one label, over the series that `match` selects (as Grafana's label_values()). */
  labelValues(label: string, match?: string): Promise<string[]> {
    return this.api<string[]>(`label/${encodeURIComponent(label)}/values`, match === undefined ? {} : { 'match[]': match });
  }

  /** Every label name (as Grafana's label_names()). */
  labelNames(): Promise<string[]> {
    return this.api<string[]>('labels', {});
  }

  /** Names of the series that `match` selects (as Grafana's metrics()). */
  async seriesNames(match: string): Promise<string[]> {
    const series = await this.api<Array<Record<string, string>>>('series', { 'match[]': match });
    return series.map((labels) => labels['__name__']!);
  }

  /** Every loaded rule with its health, from the rules API. */
  async rules(): Promise<Array<{ group: string; rules: PromRule[] }>> {
    const data = await this.api<{ groups: Array<{ name: string; rules: PromRule[] }> }>('rules', {});
    return data.groups.map((group) => ({ group: group.name, rules: group.rules }));
  }

  /** Polls an instant query until its result satisfies `done`. */
  async waitFor(promql: string, done: (samples: PromSample[]) => boolean, timeoutMs = 20_000): Promise<PromSample[]> {
    const deadline = Date.now() + timeoutMs;
    let last: PromSample[] = [];
    for (;;) {
      try {
        last = await this.query(promql);
        if (done(last)) return last;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${promql}; last result ${JSON.stringify(last)}\n${this.log}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  private async api<T>(endpoint: string, parameters: Record<string, string>): Promise<T> {
    const url = `http://127.0.0.1:${this.port}/api/v1/${endpoint}?${new URLSearchParams(parameters)}`;
    const response = await fetch(url);
    const body = (await response.json()) as { status: string; error?: string; data?: T };
    if (body.status !== 'success') throw new Error(`${endpoint} ${JSON.stringify(parameters)} failed: ${body.error}`);
    return body.data!;
  }
}
