import type { TextMapPropagator } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { loadModule } from './load-module.js';

type B3Module = typeof import('@opentelemetry/propagator-b3');

/** Each propagator by its `OTEL_PROPAGATORS` name (`PROPAGATOR_NAMES`); B3's package loads only when named. */
const FACTORIES = new Map<string, () => TextMapPropagator>([
  ['tracecontext', () => new W3CTraceContextPropagator()],
  ['baggage', () => new W3CBaggagePropagator()],
  ['b3', () => new (loadModule<B3Module>('@opentelemetry/propagator-b3').B3Propagator)()],
  [
    'b3multi',
    () => {
      const { B3Propagator, B3InjectEncoding } = loadModule<B3Module>('@opentelemetry/propagator-b3');
      return new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER });
    },
  ],
]);

/**
 * The global propagator for `OTEL_PROPAGATORS` (names already validated), as NodeSDK builds it: W3C trace
 * context and baggage when unset; null, no propagator at all, for `none` or when no name was known.
 */
export function createPropagator(names: readonly string[] | undefined): TextMapPropagator | null {
  if (names === undefined) return new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
  if (names.includes('none')) return null;
  const propagators = names.flatMap((name) => FACTORIES.get(name)?.() ?? []);
  if (propagators.length <= 1) return propagators[0] ?? null;
  return new CompositePropagator({ propagators });
}
