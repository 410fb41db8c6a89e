/**
 * Quoted fragments of an error message: parsers, databases and stores quote the value, key or token
 * they failed on (`invalid input syntax for type integer: "alice"`). An apostrophe inside a word
 * (`can't`) is not a quote.
 */
const QUOTED = /"[^"]*"|(?<![A-Za-z])'[^']*'(?![A-Za-z])|`[^`]*`/g;
const REDACTED = '"…"';

/** The text with every quoted fragment replaced by `"…"`. */
export function redactQuotedText(text: string): string {
  return text.replace(QUOTED, REDACTED);
}
