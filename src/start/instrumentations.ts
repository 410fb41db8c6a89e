import { createRequire } from 'node:module';
import { type IncomingMessage, ServerResponse } from 'node:http';
import { diag } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { SpanlensConfig } from '../config/config.js';
import { LazyFastifyInstrumentation } from './lazy-fastify-instrumentation.js';
import { loadModule } from './load-module.js';

// Instrumentations load synchronously: with `--require`, the app's first `require('pg')` comes right after.
// The upstream ones load as ES modules, sharing the API, core and instrumentation base spanlens imports.
const require = createRequire(import.meta.url);

export interface InstrumentationHooks {
  /** Incoming requests spanlens should not trace (its own metrics server). */
  ignoreIncomingRequest: (request: IncomingMessage) => boolean;
  /** Called with each incoming request's server span. */
  onIncomingRequest: (span: import('@opentelemetry/api').Span, request: IncomingMessage) => void;
  /** Called with each incoming request's response, inside the request's context, before the app handles it. */
  onServerResponse: (response: ServerResponse) => void;
  /** Called with a pg query span and its statement, inside the app's `client.query()` (the span has no text at start). */
  onQueryStart: (span: import('@opentelemetry/api').Span, text: string) => void;
  /** Called inside the app's `pool.query(text)`, before the pool runs the statement (later, without the app's frame). */
  onPoolQuery: (text: string) => void;
  /** Called when the app loads `pg`, before it can run a statement (each time its exports are hooked: be idempotent). */
  onPgLoad: () => void;
}

type Factory = (hooks: InstrumentationHooks, config: SpanlensConfig) => Instrumentation | Instrumentation[];

/** Each instrumentation by its short name (as in `OTEL_NODE_ENABLED_INSTRUMENTATIONS`), loaded only when enabled. */
const FACTORIES: Record<string, Factory> = {
  http: (hooks) => {
    const { HttpInstrumentation } = loadModule<typeof import('@opentelemetry/instrumentation-http')>('@opentelemetry/instrumentation-http');
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
  pg: (hooks) => {
    const { PgInstrumentation } = loadModule<typeof import('@opentelemetry/instrumentation-pg')>('@opentelemetry/instrumentation-pg');
    const { PgPoolQueryInstrumentation } = require('../call-sites/pg-pool-query-instrumentation.js') as typeof import('../call-sites/pg-pool-query-instrumentation.js');
    const { ModuleLoadHook } = require('./module-load-hook.js') as typeof import('./module-load-hook.js');
    return [
      new ModuleLoadHook({ moduleName: 'pg', onLoad: hooks.onPgLoad }),
      new PgInstrumentation({ requestHook: (span, info) => hooks.onQueryStart(span, info.query.text) }),
      // Only for the call sites of N+1s: it adds no span.
      new PgPoolQueryInstrumentation({ onQuery: hooks.onPoolQuery }),
    ];
  },
  undici: () => {
    // Node's own `fetch` (undici): outgoing calls get client spans, as `http.request` gets them from http.
    const { UndiciInstrumentation } = loadModule<typeof import('@opentelemetry/instrumentation-undici')>('@opentelemetry/instrumentation-undici');
    return new UndiciInstrumentation();
  },
  express: () => {
    const { ExpressInstrumentation } = loadModule<typeof import('@opentelemetry/instrumentation-express')>('@opentelemetry/instrumentation-express');
    return new ExpressInstrumentation();
  },
  koa: () => {
    const { KoaInstrumentation } = loadModule<typeof import('@opentelemetry/instrumentation-koa')>('@opentelemetry/instrumentation-koa');
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
      instrumentations.push(...[FACTORIES[name]!(hooks, config)].flat());
    } catch (error) {
      diag.warn(`spanlens: instrumentation "${name}" could not be loaded; continuing without it: ${String(error)}`);
    }
  }
  return instrumentations;
}
