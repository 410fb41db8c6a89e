import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from '../../../src/cli/cli-error';
import { DEFAULT_STATS_URL, loadSnapshot } from '../../../src/cli/load-snapshot';

const FIXTURE = join(__dirname, '../../fixtures/stats/meetings-naive.json');
const scratch = mkdtempSync(join(tmpdir(), 'spanlens-load-'));

function scratchFile(name: string, content: string): string {
  const file = join(scratch, name);
  writeFileSync(file, content);
  return file;
}

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/stats` };
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const { server } = await listen(() => {});
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function failure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CliError);
  const message = (error as CliError).message;
  expect(message).not.toContain('\n');
  return message;
}

describe('loadSnapshot', () => {
  it('defaults to the Prometheus exporter host and port', () => {
    expect(DEFAULT_STATS_URL).toBe('http://127.0.0.1:9464/stats');
  });

  it('reads a saved snapshot file', async () => {
    await expect(loadSnapshot({ file: FIXTURE })).resolves.toEqual(JSON.parse(readFileSync(FIXTURE, 'utf8')));
  });

  it('reads a snapshot from a URL', async () => {
    const body = readFileSync(FIXTURE, 'utf8');
    const { server, url } = await listen((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    try {
      await expect(loadSnapshot({ url })).resolves.toEqual(JSON.parse(body));
    } finally {
      server.close();
    }
  });

  it('names a missing file', async () => {
    const file = join(scratch, 'missing.json');
    expect(await failure(loadSnapshot({ file }))).toBe(`cannot read ${file}: no such file or directory`);
  });

  it('names a directory given as file', async () => {
    expect(await failure(loadSnapshot({ file: scratch }))).toBe(`cannot read ${scratch}: is a directory`);
  });

  it('rejects invalid JSON', async () => {
    const file = scratchFile('broken.json', '{"service": "x",');
    expect(await failure(loadSnapshot({ file }))).toMatch(new RegExp(`^cannot read ${file}: invalid JSON \\(.+\\)$`));
  });

  it('rejects JSON that is not a statistics snapshot, naming the first wrong field', async () => {
    const good = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    const cases: Array<[unknown, string]> = [
      [[1, 2], 'the snapshot is not an object'],
      [{ ...good, endpoints: undefined }, 'endpoints is not an array'],
      [{ ...good, requests: '12' }, 'requests is not a number'],
      [{ ...good, endpoints: [{ ...good.endpoints[0], p95Ms: undefined }] }, 'endpoints[0].p95Ms is missing'],
      [{ ...good, endpoints: [{ ...good.endpoints[0], cacheHitRate: 'high' }] }, 'endpoints[0].cacheHitRate is not a number or null'],
      [{ ...good, cache: { ...good.cache, namespaces: [{ namespace: 3, hits: 1, misses: 0, hitRate: 1 }] } }, 'cache.namespaces[0].namespace is not a string or null'],
      [{ ...good, nPlusOne: [{}] }, 'nPlusOne[0].route is missing'],
    ];
    for (const [value, reason] of cases) {
      const file = scratchFile('shape.json', JSON.stringify(value));
      expect(await failure(loadSnapshot({ file }))).toBe(`${file} is not a spanlens statistics snapshot: ${reason}`);
    }
  });

  it('keeps fields it does not know, so newer snapshots load', async () => {
    const good = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    const file = scratchFile('newer.json', JSON.stringify({ ...good, version: 2 }));
    await expect(loadSnapshot({ file })).resolves.toMatchObject({ version: 2 });
  });

  it('says the connection was refused on a closed port', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/stats`;
    expect(await failure(loadSnapshot({ url }))).toBe(`cannot read ${url}: connection refused`);
  });

  it('reports an HTTP error status', async () => {
    const { server, url } = await listen((_req, res) => res.writeHead(404).end('not here'));
    try {
      expect(await failure(loadSnapshot({ url }))).toBe(`cannot read ${url}: HTTP 404 Not Found`);
    } finally {
      server.close();
    }
  });

  it('gives up on a server that does not answer in time', async () => {
    const { server, url } = await listen(() => {});
    try {
      expect(await failure(loadSnapshot({ url }, 200))).toBe(`cannot read ${url}: no answer within 0.2 s`);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('rejects something that is not a URL', async () => {
    expect(await failure(loadSnapshot({ url: 'localhost:9464' }))).toBe('cannot read localhost:9464: not an http:// or https:// URL');
  });
});
