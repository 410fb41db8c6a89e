/**
 * Characters that make a terminal do something instead of showing them: C0 controls (ESC starts the
 * sequences that clear a screen or set a window title, BEL, newlines), DEL, C1 controls (CSI), and the
 * Unicode characters that reorder or break displayed text (bidirectional marks, overrides and isolates,
 * line and paragraph separators). Text from a request or a saved file never reaches labels or a
 * terminal with them: they are written as escapes instead.
 */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// What JSON.stringify leaves unescaped of the above (it escapes U+0000–U+001F itself).
const UNESCAPED_BY_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function hex(code: number, digits: number): string {
  return code.toString(16).toUpperCase().padStart(digits, '0');
}

/** `\u001b[2J` → `\x1B[2J`, `\u202e` → `\u202E`: visible, inert, and still telling what was there. */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL_CHARACTERS, (char) => {
    const code = char.charCodeAt(0);
    return code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`;
  });
}

/** JSON text with every control character inside its strings written as a `\uXXXX` escape: the same value, printable. */
export function escapeControlCharactersInJson(json: string): string {
  return json.replace(UNESCAPED_BY_JSON, (char) => `\\u${hex(char.charCodeAt(0), 4)}`);
}

/** A copy of a JSON-like value with `escapeControlCharacters` applied to every string in it. */
export function withControlCharactersEscaped<T>(value: T): T {
  if (typeof value === 'string') return escapeControlCharacters(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => withControlCharactersEscaped(item)) as T;
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = withControlCharactersEscaped(item);
    return copy as T;
  }
  return value;
}
