import { createRequire } from 'node:module';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { Instrumentation, InstrumentationConfig } from '@opentelemetry/instrumentation';
import { warnOnce } from '../diag-once.js';

const require = createRequire(import.meta.url);

/** Fastify publishes each instance it creates on this channel, before any plugin or route is added. */
const FASTIFY_INITIALIZATION = 'fastify.initialization';

interface FastifyInitialization {
  fastify: unknown;
}

type FastifyPlugin = (instance: unknown, options: undefined, done: () => void) => void;
type FastifyOtel = Instrumentation & { plugin(): FastifyPlugin };

/**
 * Fastify's own instrumentation (`@fastify/otel`), loaded only once the app creates a Fastify instance:
 * it brings a second copy of the instrumentation base with it (about 15 MiB and a tenth of a second),
 * which apps without Fastify should not pay for. The first instance is wired here, later ones by
 * `@fastify/otel` itself (`registerOnInitialization`).
 */
export class LazyFastifyInstrumentation implements Instrumentation {
  readonly instrumentationName = '@fastify/otel';
  readonly instrumentationVersion = 'lazy';
  private config: InstrumentationConfig = { enabled: false };
  private tracerProvider: TracerProvider | undefined;
  private meterProvider: MeterProvider | undefined;
  private loaded: FastifyOtel | undefined;

  private readonly onInitialization = (message: unknown): void => {
    unsubscribe(FASTIFY_INITIALIZATION, this.onInitialization);
    try {
      const loaded = this.load();
      loaded.plugin()((message as FastifyInitialization).fastify, undefined, () => {});
    } catch (error) {
      warnOnce('fastify', 'the Fastify instrumentation could not be loaded; Fastify routes are templated from their paths', error);
    }
  };

  enable(): void {
    this.config = { ...this.config, enabled: true };
    if (this.loaded !== undefined) this.loaded.enable();
    else subscribe(FASTIFY_INITIALIZATION, this.onInitialization);
  }

  disable(): void {
    this.config = { ...this.config, enabled: false };
    if (this.loaded !== undefined) this.loaded.disable();
    else unsubscribe(FASTIFY_INITIALIZATION, this.onInitialization);
  }

  setTracerProvider(tracerProvider: TracerProvider): void {
    this.tracerProvider = tracerProvider;
    this.loaded?.setTracerProvider(tracerProvider);
  }

  setMeterProvider(meterProvider: MeterProvider): void {
    this.meterProvider = meterProvider;
    this.loaded?.setMeterProvider(meterProvider);
  }

  setConfig(config: InstrumentationConfig): void {
    this.config = { ...config };
  }

  getConfig(): InstrumentationConfig {
    return this.config;
  }

  private load(): FastifyOtel {
    const { FastifyOtelInstrumentation } = require('@fastify/otel') as typeof import('@fastify/otel');
    const loaded = new FastifyOtelInstrumentation({ registerOnInitialization: true }) as unknown as FastifyOtel;
    if (this.tracerProvider !== undefined) loaded.setTracerProvider(this.tracerProvider);
    if (this.meterProvider !== undefined) loaded.setMeterProvider(this.meterProvider);
    // Subscribes @fastify/otel to the channel for the instances created from now on.
    loaded.enable();
    this.loaded = loaded;
    return loaded;
  }
}
