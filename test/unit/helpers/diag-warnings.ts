import { DiagLogLevel, diag } from '@opentelemetry/api';

/**
 * The warnings and errors spanlens reports through `diag` during each test of the calling file: the
 * returned list is emptied before every test.
 */
export function captureDiagWarnings(): string[] {
  const warnings: string[] = [];
  beforeAll(() => {
    diag.setLogger(
      { error: (m) => warnings.push(m), warn: (m) => warnings.push(m), info: () => {}, debug: () => {}, verbose: () => {} },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
  });
  afterAll(() => diag.disable());
  beforeEach(() => (warnings.length = 0));
  return warnings;
}
