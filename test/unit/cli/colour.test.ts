import { colour, shouldUseColour } from '../../../src/cli/colour';

describe('shouldUseColour', () => {
  it('colours a terminal', () => {
    expect(shouldUseColour({ isTTY: true, env: {} })).toBe(true);
  });

  it('never colours a pipe or a file', () => {
    expect(shouldUseColour({ isTTY: false, env: {} })).toBe(false);
  });

  it.each(['1', 'true', '0', ''])('honours NO_COLOR=%p, whatever its value', (value) => {
    expect(shouldUseColour({ isTTY: true, env: { NO_COLOR: value } })).toBe(false);
  });
});

describe('colour', () => {
  it('wraps text in ANSI codes when enabled', () => {
    expect(colour(true).red('x')).toBe('\u001b[31mx\u001b[39m');
    expect(colour(true).bold('x')).toBe('\u001b[1mx\u001b[22m');
  });

  it('returns text unchanged when disabled', () => {
    const plain = colour(false);
    expect([plain.bold('x'), plain.dim('x'), plain.red('x'), plain.green('x'), plain.yellow('x')]).toEqual(['x', 'x', 'x', 'x', 'x']);
  });
});
