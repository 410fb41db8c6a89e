// The four ways the benchmark runs the same app: bare, with the plain NodeSDK a user would otherwise
// preload, with spanlens, and with spanlens sampling one trace in ten while still recording every span.
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));
const preloadOf = (relativePath) => ['--import', pathToFileURL(REPOSITORY + relativePath).href];

export const MODES = [
  { name: 'bare', label: 'bare app', preload: [], exportsSpans: false, env: {} },
  { name: 'plain', label: 'plain NodeSDK', preload: preloadOf('bench/load/plain-sdk.mjs'), exportsSpans: true, env: {} },
  { name: 'spanlens', label: 'spanlens', preload: preloadOf('register.js'), exportsSpans: true, env: {} },
  {
    name: 'spanlens-10',
    label: 'spanlens 10 %',
    preload: preloadOf('register.js'),
    exportsSpans: true,
    env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1', SPANLENS_RECORD_ALL: 'true' },
  },
];

export const FIXTURE_APP = fileURLToPath(new URL('./fixture-app.mjs', import.meta.url));
export const EMPTY_SCRIPT = fileURLToPath(new URL('./empty.mjs', import.meta.url));

/**
 * The environment of a mode's process: the driver's own without any OTEL_* or SPANLENS_* variable (a
 * setting left in the shell would change one mode and not the others), plus the mode's settings.
 */
export function environmentOf(mode, { sinkUrl, prometheusPort, databaseUrl, redisUrl }) {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_') && !key.startsWith('SPANLENS_') && key !== 'NODE_OPTIONS'),
  );
  return {
    ...inherited,
    OTEL_SERVICE_NAME: `loadbench-${mode.name}`,
    // Every exporting mode speaks the same protocol to the same sink, each on its own path.
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${sinkUrl}/v1/traces/${mode.name}`,
    OTEL_EXPORTER_PROMETHEUS_PORT: String(prometheusPort),
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    CACHE_NAMESPACE: `loadbench-${mode.name}`,
    ...mode.env,
  };
}
