import type { DiagLogger } from '@opentelemetry/api';
import { MAX_REMEMBERED_MESSAGE_SHAPES, RepeatSuppressingLogger } from '../../../src/start/repeat-suppressing-logger';

function recordingLogger(): { logger: DiagLogger; lines: string[] } {
  const lines: string[] = [];
  const record = (level: string) => (message: string) => lines.push(`${level} ${message}`);
  return { logger: { error: record('error'), warn: record('warn'), info: record('info'), debug: record('debug'), verbose: record('verbose') }, lines };
}

describe('RepeatSuppressingLogger', () => {
  it("writes the batch processor's dropped-spans warning once, however often and with whatever count it comes", () => {
    const { logger, lines } = recordingLogger();
    const suppressing = new RepeatSuppressingLogger(logger);
    for (const dropped of [1536, 1790, 12, 1536]) suppressing.warn(`Dropped ${dropped} spans because maxQueueSize reached`);
    expect(lines).toEqual(['warn Dropped 1536 spans because maxQueueSize reached (spanlens: repeats of this message are not logged)']);
  });

  it('writes different warnings and errors once each', () => {
    const { logger, lines } = recordingLogger();
    const suppressing = new RepeatSuppressingLogger(logger);
    suppressing.warn('export timed out');
    suppressing.error('exporter failed');
    suppressing.warn('export timed out');
    suppressing.error('exporter failed');
    expect(lines).toEqual([
      'warn export timed out (spanlens: repeats of this message are not logged)',
      'error exporter failed (spanlens: repeats of this message are not logged)',
    ]);
  });

  it("passes spanlens' own messages and info, debug and verbose through unchanged, repeats included", () => {
    const { logger, lines } = recordingLogger();
    const suppressing = new RepeatSuppressingLogger(logger);
    for (let i = 0; i < 2; i++) {
      suppressing.warn('spanlens: cannot serve metrics on 127.0.0.1:9464');
      suppressing.info('starting 2 exporters');
      suppressing.debug('exported 512 spans');
      suppressing.verbose('span 1 ended');
    }
    expect(lines).toEqual([
      'warn spanlens: cannot serve metrics on 127.0.0.1:9464',
      'info starting 2 exporters',
      'debug exported 512 spans',
      'verbose span 1 ended',
      'warn spanlens: cannot serve metrics on 127.0.0.1:9464',
      'info starting 2 exporters',
      'debug exported 512 spans',
      'verbose span 1 ended',
    ]);
  });

  it(`remembers at most ${MAX_REMEMBERED_MESSAGE_SHAPES} shapes, says so once past them, then writes no new warning`, () => {
    const { logger, lines } = recordingLogger();
    const suppressing = new RepeatSuppressingLogger(logger);
    // Distinct shapes: numbers alone would not make messages different.
    for (let i = 0; i < MAX_REMEMBERED_MESSAGE_SHAPES + 50; i++) suppressing.warn(`problem ${'x'.repeat(i + 1)}`);
    expect(lines).toHaveLength(MAX_REMEMBERED_MESSAGE_SHAPES + 1);
    expect(lines.at(-1)).toBe(`warn spanlens: more than ${MAX_REMEMBERED_MESSAGE_SHAPES} different OpenTelemetry SDK warnings; further ones are not logged`);
  });
});
