import {
  type DetectedResourceAttributes,
  type Resource,
  type ResourceDetector,
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  osDetector,
  processDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
} from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

/**
 * Attributes spanlens' default leaves out of the resource (and so out of `target_info` and every export):
 * those the semantic conventions make opt-in because they may hold secrets or paths
 * (`process.command_args`, `process.command_line`, `process.executable.path`), and `host.id`, the
 * machine id, which systemd's machine-id(5) asks never to expose on the network. Naming the detectors
 * in `OTEL_NODE_RESOURCE_DETECTORS` is the opt-in: then they report everything, as in NodeSDK.
 */
export const WITHHELD_BY_DEFAULT: readonly string[] = ['process.command_args', 'process.command_line', 'process.executable.path', 'host.id'];

/** The detectors by their `OTEL_NODE_RESOURCE_DETECTORS` names, in NodeSDK 0.301's order. */
const DETECTORS: Record<string, ResourceDetector> = {
  host: hostDetector,
  os: osDetector,
  serviceinstance: serviceInstanceIdDetector,
  process: processDetector,
  env: envDetector,
};

/**
 * The resource of every signal, made as NodeSDK 0.301 makes it: the SDK's defaults, then what the
 * detectors find (`OTEL_RESOURCE_ATTRIBUTES` and `OTEL_SERVICE_NAME` through `env`), then the service
 * name given in code or by those variables. Attributes detected asynchronously settle later.
 */
export function createResource(serviceName: string | undefined, detectorNames: readonly string[] | undefined): Resource {
  const detected = defaultResource().merge(detectResources({ detectors: createResourceDetectors(detectorNames) }));
  return serviceName === undefined ? detected : detected.merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }));
}

/**
 * The resource detectors for `OTEL_NODE_RESOURCE_DETECTORS` (already validated): its standard meaning
 * when set (`all`, `none` or names), else NodeSDK's default detectors without `WITHHELD_BY_DEFAULT`.
 */
export function createResourceDetectors(names: readonly string[] | undefined): ResourceDetector[] {
  if (names === undefined) {
    return [serviceInstanceIdDetector, processDetector, hostDetector, osDetector, envDetector].map(withoutWithheldAttributes);
  }
  if (names.includes('all')) return Object.values(DETECTORS);
  if (names.includes('none')) return [];
  return names.flatMap((name) => DETECTORS[name] ?? []);
}

function withoutWithheldAttributes(detector: ResourceDetector): ResourceDetector {
  return {
    detect(config) {
      const detected = detector.detect(config);
      const attributes: DetectedResourceAttributes = { ...detected.attributes };
      for (const name of WITHHELD_BY_DEFAULT) delete attributes[name];
      return { ...detected, attributes };
    },
  };
}
