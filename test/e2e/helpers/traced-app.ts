import { AppProcess, type AppOptions, freePort } from './app-process';
import { OtlpReceiver } from './otlp-receiver';
import type { TestSchema } from './postgres';

/** A fixture app preloaded with spanlens, exporting OTLP/JSON to a receiver the test owns. */
export interface TracedApp {
  app: AppProcess;
  receiver: OtlpReceiver;
  metricsPort: number;
  stop(): Promise<void>;
}

export async function startTracedApp(
  schema: TestSchema,
  options: Omit<AppOptions, 'env'> & { env?: Record<string, string> },
): Promise<TracedApp> {
  const receiver = new OtlpReceiver();
  const endpoint = await receiver.start();
  const metricsPort = await freePort();
  const app = await AppProcess.start({
    ...options,
    env: {
      ...schema.env(),
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
      ...options.env,
    },
  });
  return {
    app,
    receiver,
    metricsPort,
    async stop() {
      await app.stop();
      await receiver.stop();
    },
  };
}
