import { createRequire } from 'node:module';
import { type IncomingMessage, ServerResponse } from 'node:http';
import { diag } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { SpanlensConfig } from '../config/config.js';
import { LazyFastifyInstrumentation } from './lazy-fastify-instrumentation.js';

// Instrumentations load synchronously: with `--require`, the app's first `require('pg')` comes right after.
const require = createRequire(import.meta.url);

export interface InstrumentationHooks {
  /** Incoming requests spanlens should not trace (its own metrics server). */
  ignoreIncomingRequest: (request: IncomingMessage) => boolean;
  /** Called with each incoming request's server span. */
  onIncomingRequest: (span: import('@opentelemetry/api').Span, request: IncomingMessage) => void;
  /** Called with each incoming request's response, inside the request's context, before the app handles it. */
  onServerResponse: (response: ServerResponse) => void;
}

type Factory = (hooks: InstrumentationHooks, config: SpanlensConfig) => Instrumentation;

/** Each instrumentation by its short name (as in `OTEL_NODE_ENABLED_INSTRUMENTATIONS`), loaded only when enabled. */
const FACTORIES: Record<string, Factory> = {
  http: (hooks) => {
    const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
    return new HttpInstrumentation({
      ignoreIncomingRequestHook: hooks.ignoreIncomingRequest,
      requestHook: (span, request) => {
        if ('socket' in request && !('getHeader' in request)) hooks.onIncomingRequest(span, request as IncomingMessage);
      },
      responseHook: (_span, response) => {
        if (response instanceof ServerResponse) hooks.onServerResponse(response);
      },
    });
  },
  pg: () => {
    const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
    return new PgInstrumentation();
  },
  express: () => {
    const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
    return new ExpressInstrumentation();
  },
  koa: () => {
    const { KoaInstrumentation } = require('@opentelemetry/instrumentation-koa') as typeof import('@opentelemetry/instrumentation-koa');
    return new KoaInstrumentation();
  },
  // Fastify's own, maintained instrumentation (`@fastify/otel`), loaded when the app creates a Fastify instance.
  fastify: () => new LazyFastifyInstrumentation(),
  keyv: (_hooks, config) => {
    const { KeyvInstrumentation } = require('../../instrumentations/keyv/index.js') as typeof import('../../instrumentations/keyv/index.js');
    return new KeyvInstrumentation({ keyPatterns: config.cacheKeyPatterns });
  },
};

export const INSTRUMENTATION_NAMES = Object.keys(FACTORIES);

/** The instrumentations that `OTEL_NODE_ENABLED_INSTRUMENTATIONS` / `_DISABLED_` leave on. */
export function createInstrumentations(config: SpanlensConfig, hooks: InstrumentationHooks): Instrumentation[] {
  for (const name of [...(config.enabledInstrumentations ?? []), ...config.disabledInstrumentations]) {
    if (!(name in FACTORIES)) {
      diag.warn(`spanlens: unknown instrumentation "${name}" in OTEL_NODE_*_INSTRUMENTATIONS (known: ${INSTRUMENTATION_NAMES.join(', ')})`);
    }
  }
  const enabled = INSTRUMENTATION_NAMES.filter(
    (name) =>
      (config.enabledInstrumentations === undefined || config.enabledInstrumentations.includes(name)) &&
      !config.disabledInstrumentations.includes(name),
  );
  const instrumentations: Instrumentation[] = [];
  for (const name of enabled) {
    try {
      instrumentations.push(FACTORIES[name]!(hooks, config));
    } catch (error) {
      diag.warn(`spanlens: instrumentation "${name}" could not be loaded; continuing without it: ${String(error)}`);
    }
  }
  return instrumentations;
}
