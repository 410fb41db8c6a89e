import { CliError, describeError, isErrorLike, oneLine } from '../cli-error.js';
import { BASIC_AUTH_VARIABLE, BEARER_TOKEN_VARIABLE, type PrometheusCredentials } from './prometheus-credentials.js';

/** How long one PromQL query may take, answer included. */
export const QUERY_TIMEOUT_MS = 30_000;

/** One series of an instant vector, as the HTTP API returns it. */
export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** Prometheus refused the query itself (HTTP 400, `bad_data`): with our fixed queries, the selector's fault. */
export class PrometheusRejectedQuery extends CliError {
  constructor(readonly reason: string) {
    super(`Prometheus rejected the query: ${reason}`);
  }
}

interface ApiAnswer {
  status?: unknown;
  errorType?: unknown;
  error?: unknown;
  data?: { resultType?: unknown; result?: unknown };
}

// Prometheus' error texts can be long (they quote the query); one line of this much is enough.
const MAX_REASON_LENGTH = 300;

/**
 * Instant queries against the standard Prometheus HTTP API (`POST /api/v1/query`), which Prometheus,
 * Thanos, Mimir, Cortex and VictoriaMetrics all serve. Every failure is a one-line `CliError` that names
 * the server by `displayUrl`, never the credentials.
 */
export class PrometheusClient {
  /** The base URL as it may be shown and saved: no credentials, query or fragment. */
  readonly displayUrl: string;
  /** Queries sent so far. */
  queriesSent = 0;
  private readonly endpoint: URL;

  constructor(
    baseUrl: string,
    private readonly credentials?: PrometheusCredentials,
    private readonly timeoutMs = QUERY_TIMEOUT_MS,
  ) {
    const url = URL.parse(baseUrl);
    if (url === null || !/^https?:$/.test(url.protocol)) {
      throw new CliError(`--prometheus needs an http:// or https:// URL, not '${redact(baseUrl)}'`);
    }
    if (url.username !== '' || url.password !== '') {
      throw new CliError(`--prometheus must not carry credentials in the URL; set ${BEARER_TOKEN_VARIABLE} or ${BASIC_AUTH_VARIABLE}`);
    }
    const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
    this.displayUrl = `${url.origin}${path === '/' ? '' : path.slice(0, -1)}`;
    this.endpoint = new URL(`${path}api/v1/query`, url.origin);
    this.endpoint.search = url.search;
  }

  /** Evaluates `promql` at `timeSeconds` and returns its instant vector. */
  async query(promql: string, timeSeconds: number): Promise<PromSample[]> {
    this.queriesSent += 1;
    const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' };
    if (this.credentials !== undefined) headers['authorization'] = this.credentials.authorization;
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers,
        body: new URLSearchParams({ query: promql, time: timeSeconds.toFixed(3) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      if (isErrorLike(error) && error.name === 'TimeoutError') {
        throw new CliError(`Prometheus at ${this.displayUrl} gave no answer within ${this.timeoutMs / 1000} s`);
      }
      const reason = describeError(error);
      // fetch refuses some well-known ports (1, 9, 25, …) with nothing but "bad port".
      const why = reason === 'bad port' ? 'fetch does not connect to this port (bad port)' : reason;
      throw new CliError(`cannot reach Prometheus at ${this.displayUrl}: ${why}`);
    }
    const answer = parseAnswer(text);
    if (response.ok && answer?.status === 'success') return vectorOf(answer, this.displayUrl);
    const reason = typeof answer?.error === 'string' ? shorten(answer.error) : undefined;
    if (response.status === 400 && answer?.errorType === 'bad_data' && reason !== undefined) throw new PrometheusRejectedQuery(reason);
    if (response.ok) throw new CliError(`${this.displayUrl} does not answer as a Prometheus HTTP API (no query result from /api/v1/query)`);
    const status = `HTTP ${response.status} ${response.statusText}`;
    throw new CliError(oneLine(`Prometheus at ${this.displayUrl} answered ${status}${this.hint(response.status, reason)}`));
  }

  private hint(status: number, reason: string | undefined): string {
    if (status === 401 || status === 403) {
      return this.credentials === undefined
        ? `: set ${BEARER_TOKEN_VARIABLE} or ${BASIC_AUTH_VARIABLE}`
        : `: check ${this.credentials.variable}`;
    }
    if (status === 404) return ': is this the base URL of a Prometheus HTTP API (where /api/v1/query is)?';
    return reason === undefined ? '' : `: ${reason}`;
  }
}

function parseAnswer(text: string): ApiAnswer | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as ApiAnswer) : undefined;
  } catch {
    return undefined;
  }
}

function vectorOf(answer: ApiAnswer, displayUrl: string): PromSample[] {
  if (answer.data?.resultType !== 'vector' || !Array.isArray(answer.data.result)) {
    throw new CliError(`${displayUrl} answered an instant query without an instant vector`);
  }
  return answer.data.result as PromSample[];
}

function shorten(reason: string): string {
  const line = oneLine(reason);
  return line.length > MAX_REASON_LENGTH ? `${line.slice(0, MAX_REASON_LENGTH)}…` : line;
}

// A URL that failed to parse can still hold `user:password@`: never echo that part.
function redact(text: string): string {
  return text.replace(/\/\/[^/@]*@/, '//…@');
}
