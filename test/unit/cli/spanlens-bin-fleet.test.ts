import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `spanlens report --prometheus` as a user runs it (the built bin in a child process) against servers
 * that answer the way a broken or protected Prometheus does. The report against a real Prometheus is
 * in test/e2e/fleet-*.test.ts.
 */
const ROOT = join(__dirname, '../../..');
const BIN = join(ROOT, 'bin/spanlens.js');
const scratch = mkdtempSync(join(tmpdir(), 'spanlens-bin-fleet-'));
const TOKEN = 'tok-3f9a1c77e2';
const PASSWORD = 'pw-81d2c0aa';

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

function spanlens(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete childEnv['NO_COLOR'];
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv }, (error, stdout, stderr) => {
      resolve({ exitCode: error === null ? 0 : Number(error.code), stdout, stderr });
    });
  });
}

type Handler = (request: IncomingMessage & { body: string }, response: ServerResponse) => void;

async function serve(handler: Handler): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => handler(Object.assign(request, { body }), response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function closedPort(): Promise<number> {
  const { server } = await serve(() => {});
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const json = (response: ServerResponse, status: number, body: unknown): void => {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

/** Vector answers of a one-instance, one-route fleet, by which fleet query was asked. */
function fleetAnswer(query: string): unknown[] {
  const at = 1_772_445_600;
  if (query.includes('target_info')) return [{ metric: { job: 'api', instance: '10.0.0.1:9464' }, value: [at, '1'] }];
  if (query.includes('spanlens_request_db_queries')) return [{ metric: { http_request_method: 'GET', http_route: '/meetings' }, value: [at, '7'] }];
  if (query.startsWith('sum by (http_request_method, http_route, le)')) {
    return ['0.1', '+Inf'].map((le) => ({ metric: { http_request_method: 'GET', http_route: '/meetings', le }, value: [at, '10'] }));
  }
  return [];
}

/** Answers like Prometheus when the request carries `authorization`, HTTP 401 otherwise. */
function protectedPrometheus(authorization: string, seen: string[]): Handler {
  return (request, response) => {
    seen.push(request.headers.authorization ?? '');
    if (request.headers.authorization !== authorization) return json(response, 401, { status: 'error', error: 'unauthorized' });
    const query = new URLSearchParams(request.body).get('query') ?? '';
    json(response, 200, { status: 'success', data: { resultType: 'vector', result: fleetAnswer(query) } });
  };
}

function expectOneErrorLine(result: Run, line: string | RegExp): void {
  expect(result.stdout).toBe('');
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr.trimEnd()).toMatch(line);
  expect(result.exitCode).toBe(2);
}

beforeAll(() => {
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', ROOT], { stdio: 'pipe' });
  } catch {
    // checked below
  }
  expect(existsSync(join(ROOT, 'dist/src/cli/main.js'))).toBe(true);
});

describe('spanlens report --prometheus (built, in a child process)', () => {
  describe('credentials', () => {
    it('sends the bearer token, and never prints or saves it', async () => {
      const seen: string[] = [];
      const { server, url } = await serve(protectedPrometheus(`Bearer ${TOKEN}`, seen));
      const saved = join(scratch, 'bearer.json');
      try {
        const result = await spanlens(['report', '--prometheus', url, '--save', saved], { SPANLENS_PROMETHEUS_BEARER_TOKEN: TOKEN });
        expect(result.exitCode).toBe(0);
        expect(result.stdout).toContain('spanlens fleet report · service api · 1 instance · 10 requests');
        expect(seen).toHaveLength(9);
        expect(new Set(seen)).toEqual(new Set([`Bearer ${TOKEN}`]));
        for (const text of [result.stdout, result.stderr, readFileSync(saved, 'utf8')]) expect(text).not.toContain(TOKEN);
        expect(JSON.parse(readFileSync(saved, 'utf8')).fleet.prometheus).toBe(url);
      } finally {
        server.close();
      }
    });

    it('sends basic auth from user:password, and never prints or saves either', async () => {
      const seen: string[] = [];
      const { server, url } = await serve(protectedPrometheus(`Basic ${Buffer.from(`reader:${PASSWORD}`).toString('base64')}`, seen));
      const saved = join(scratch, 'basic.json');
      try {
        const result = await spanlens(['report', '--prometheus', url, '--json', '--save', saved], { SPANLENS_PROMETHEUS_BASIC_AUTH: `reader:${PASSWORD}` });
        expect(result.exitCode).toBe(0);
        for (const text of [result.stdout, result.stderr, readFileSync(saved, 'utf8')]) {
          expect(text).not.toContain(PASSWORD);
          expect(text).not.toContain(Buffer.from(`reader:${PASSWORD}`).toString('base64'));
        }
      } finally {
        server.close();
      }
    });

    it('says which variable to set or check on HTTP 401, without its value', async () => {
      const { server, url } = await serve(protectedPrometheus(`Bearer ${TOKEN}`, []));
      try {
        expectOneErrorLine(
          await spanlens(['report', '--prometheus', url]),
          `spanlens: Prometheus at ${url} answered HTTP 401 Unauthorized: set SPANLENS_PROMETHEUS_BEARER_TOKEN or SPANLENS_PROMETHEUS_BASIC_AUTH`,
        );
        const wrong = await spanlens(['report', '--prometheus', url], { SPANLENS_PROMETHEUS_BEARER_TOKEN: 'not-the-token' });
        expectOneErrorLine(wrong, `spanlens: Prometheus at ${url} answered HTTP 401 Unauthorized: check SPANLENS_PROMETHEUS_BEARER_TOKEN`);
        expect(wrong.stderr).not.toContain('not-the-token');
      } finally {
        server.close();
      }
    });
  });

  describe('exits 2 with one line on stderr', () => {
    it('for an unreachable server', async () => {
      const url = `http://127.0.0.1:${await closedPort()}`;
      expectOneErrorLine(await spanlens(['report', '--prometheus', url]), `spanlens: cannot reach Prometheus at ${url}: connection refused`);
    });

    it('for HTTP 5xx, with the reason Prometheus gives', async () => {
      const { server, url } = await serve((_request, response) =>
        json(response, 503, { status: 'error', errorType: 'unavailable', error: 'TSDB not ready\nretry later' }),
      );
      try {
        expectOneErrorLine(
          await spanlens(['report', '--prometheus', `${url}/`]),
          `spanlens: Prometheus at ${url} answered HTTP 503 Service Unavailable: TSDB not ready retry later`,
        );
      } finally {
        server.close();
      }
    });

    it('for HTTP 404: not the base URL of a Prometheus HTTP API', async () => {
      const { server, url } = await serve((_request, response) => response.writeHead(404).end('404 page not found'));
      try {
        expectOneErrorLine(
          await spanlens(['report', '--prometheus', `${url}/prometheus`]),
          `spanlens: Prometheus at ${url}/prometheus answered HTTP 404 Not Found: is this the base URL of a Prometheus HTTP API (where /api/v1/query is)?`,
        );
      } finally {
        server.close();
      }
    });

    it('for a server that answers, but not as a Prometheus HTTP API', async () => {
      const { server, url } = await serve((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>Grafana</html>'));
      try {
        expectOneErrorLine(
          await spanlens(['report', '--prometheus', url]),
          `spanlens: ${url} does not answer as a Prometheus HTTP API (no query result from /api/v1/query)`,
        );
      } finally {
        server.close();
      }
    });

    it('for a selector that is not label matchers, before any query', async () => {
      expectOneErrorLine(
        await spanlens(['report', '--prometheus', 'http://127.0.0.1:1', '--selector', '{job="api"} or vector(1)']),
        `spanlens: invalid --selector '{job="api"} or vector(1)': expected the end at position 13, like {job="api"}`,
      );
    });

    it('for a range or offset that is not a PromQL duration', async () => {
      expectOneErrorLine(
        await spanlens(['report', '--prometheus', 'http://127.0.0.1:1', '--range', '1 hour']),
        "spanlens: invalid --range '1 hour': expected a duration such as 30m, 1h, 1d or 1h30m",
      );
      expectOneErrorLine(
        await spanlens(['report', '--prometheus', 'http://127.0.0.1:1', '--baseline-offset', 'yesterday']),
        "spanlens: invalid --baseline-offset 'yesterday': expected a duration such as 30m, 1h, 1d or 1h30m",
      );
    });

    it('for a URL that is not http(s), or that carries credentials (never echoed)', async () => {
      expectOneErrorLine(
        await spanlens(['report', '--prometheus', 'prometheus:9090']),
        "spanlens: --prometheus needs an http:// or https:// URL, not 'prometheus:9090'",
      );
      const withPassword = await spanlens(['report', '--prometheus', `http://reader:${PASSWORD}@127.0.0.1:9090`]);
      expectOneErrorLine(
        withPassword,
        'spanlens: --prometheus must not carry credentials in the URL; set SPANLENS_PROMETHEUS_BEARER_TOKEN or SPANLENS_PROMETHEUS_BASIC_AUTH',
      );
      expect(withPassword.stderr).not.toContain(PASSWORD);
    });

    it('for both credential variables at once, or basic auth without a colon', async () => {
      expectOneErrorLine(
        await spanlens(['report', '--prometheus', 'http://127.0.0.1:1'], { SPANLENS_PROMETHEUS_BEARER_TOKEN: TOKEN, SPANLENS_PROMETHEUS_BASIC_AUTH: 'a:b' }),
        'spanlens: set SPANLENS_PROMETHEUS_BEARER_TOKEN or SPANLENS_PROMETHEUS_BASIC_AUTH, not both',
      );
      expectOneErrorLine(
        await spanlens(['report', '--prometheus', 'http://127.0.0.1:1'], { SPANLENS_PROMETHEUS_BASIC_AUTH: PASSWORD }),
        'spanlens: SPANLENS_PROMETHEUS_BASIC_AUTH must be user:password',
      );
    });

    it('for fleet flags without --prometheus, and flags that do not go together', async () => {
      expectOneErrorLine(await spanlens(['report', '--selector', '{job="api"}']), "spanlens: option '--selector' needs --prometheus");
      expectOneErrorLine(await spanlens(['report', '--file', 'x.json', '--baseline-offset', '1d']), "spanlens: option '--baseline-offset' needs --prometheus");
      expectOneErrorLine(
        await spanlens(['report', '--prometheus', 'http://127.0.0.1:1', '--file', 'x.json']),
        /^spanlens: option '--prometheus <url>' cannot be used with option '--file <file>'$/,
      );
      expectOneErrorLine(
        await spanlens(['report', '--prometheus', 'http://127.0.0.1:1', '--baseline', 'x.json', '--baseline-offset', '1d']),
        /^spanlens: option '--baseline-offset <duration>' cannot be used with option '--baseline <file>'$/,
      );
      expectOneErrorLine(
        await spanlens(['report', '--prometheus', 'http://127.0.0.1:1', '--json', '--baseline-offset', '1d']),
        /^spanlens: option '--json' cannot be used with option '--baseline-offset <duration>'$/,
      );
    });
  });
});
