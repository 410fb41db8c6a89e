// The load benchmark's baseline: what a user would preload instead of spanlens, a plain NodeSDK with the
// instrumentations spanlens uses for this app (http, Express, pg, and spanlens' own keyv instrumentation,
// exported for users who build their own NodeSDK, so both export the same spans), a BatchSpanProcessor
// to OTLP/HTTP (protobuf, as spanlens' default) and the Prometheus exporter on its own port.
//   node --import ./bench/load/plain-sdk.mjs app.mjs
// The ES module hook set-up is the one import-in-the-middle documents for `--import`: it intercepts
// only the modules the instrumentations hook, as spanlens' preload does.
import { register } from 'node:module';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { KeyvInstrumentation } from '../../dist/instrumentations/keyv/index.js';

const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);

const sdk = new NodeSDK({
  spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
  metricReaders: [new PrometheusExporter({ host: '127.0.0.1', port: Number(process.env.OTEL_EXPORTER_PROMETHEUS_PORT ?? 9464) })],
  instrumentations: [new HttpInstrumentation(), new ExpressInstrumentation(), new PgInstrumentation(), new KeyvInstrumentation()],
  // NodeSDK would otherwise start an OTLP logs pipeline, which spanlens does not either.
  logRecordProcessors: [],
});
sdk.start();
await waitForAllMessagesAcknowledged();
