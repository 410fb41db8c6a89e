import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
  createAlwaysRecordSampler,
} from '@opentelemetry/sdk-trace';
import type { SpanlensConfig } from '../config/config.js';

/** The standard `OTEL_TRACES_SAMPLER` choices, rebuilt because spanlens hands NodeSDK its own sampler. */
export function createSampler(config: SpanlensConfig): Sampler {
  const ratio = config.tracesSamplerArg ?? 1;
  const sampler = samplerNamed(config.tracesSampler ?? 'parentbased_always_on', ratio);
  // Dropped traces are still recorded (not exported) so per-request statistics see every request.
  return config.recordAll ? createAlwaysRecordSampler(sampler) : sampler;
}

function samplerNamed(name: string, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}
