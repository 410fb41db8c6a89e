import type { DiagLogger } from '@opentelemetry/api';

/** Distinct shapes of SDK warnings and errors remembered; past it, new ones are no longer logged. */
export const MAX_REMEMBERED_MESSAGE_SHAPES = 100;

const OWN_PREFIX = 'spanlens:';

/**
 * Writes each warning or error of the OpenTelemetry SDK once. Against a slow or black-holing collector
 * the batch span processor warns `Dropped 1234 spans because maxQueueSize reached` after every export:
 * a line a second in the app's log. Messages that differ only in their numbers are one message.
 * spanlens' own messages (each already said once) and info, debug and verbose pass through unchanged.
 */
export class RepeatSuppressingLogger implements DiagLogger {
  private readonly shapes = new Set<string>();
  private full = false;

  constructor(private readonly target: DiagLogger) {}

  error(message: string, ...args: unknown[]): void {
    const firstTime = this.firstTime(message);
    if (firstTime !== undefined) this.target.error(firstTime, ...args);
  }

  warn(message: string, ...args: unknown[]): void {
    const firstTime = this.firstTime(message);
    if (firstTime !== undefined) this.target.warn(firstTime, ...args);
  }

  info(message: string, ...args: unknown[]): void {
    this.target.info(message, ...args);
  }

  debug(message: string, ...args: unknown[]): void {
    this.target.debug(message, ...args);
  }

  verbose(message: string, ...args: unknown[]): void {
    this.target.verbose(message, ...args);
  }

  /** The message to write the first time its shape is seen (saying repeats are dropped), else undefined. */
  private firstTime(message: string): string | undefined {
    if (typeof message !== 'string' || message.startsWith(OWN_PREFIX)) return message;
    const shape = message.replace(/\d+/g, '#');
    if (this.shapes.has(shape) || this.full) return undefined;
    if (this.shapes.size >= MAX_REMEMBERED_MESSAGE_SHAPES) {
      this.full = true;
      return `${OWN_PREFIX} more than ${MAX_REMEMBERED_MESSAGE_SHAPES} different OpenTelemetry SDK warnings; further ones are not logged`;
    }
    this.shapes.add(shape);
    return `${message} (${OWN_PREFIX} repeats of this message are not logged)`;
  }
}
