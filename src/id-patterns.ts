/**
 * Ids and personal values never become labels: route templating and cache key patterns both replace
 * them with `{id}`, by the same rules. Numbers standing alone, UUIDs, hex runs of 8+ with a digit,
 * e-mail addresses, tokens of 16+ letters and digits mixed, and runs of 24+ token characters with a
 * digit (JWTs, base64).
 */
export const ID_PLACEHOLDER = '{id}';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
// The lookbehind anchors a match at the start of its run, so a long run is scanned once, not once per start.
const EMAIL = /(?<![^\s:/@])[^\s:/@]+@[^\s:/@]+/g;
const LONG_TOKEN = /[A-Za-z0-9_\-+.=]{24,}/g;
const MIXED_TOKEN = /[A-Za-z0-9]{16,}/g;
const HEX_RUN = /[0-9a-f]{8,}/gi;
// A number standing alone, not part of a word (`v2`, `oauth2`, `i18n` are names).
const NUMBER = /(?<![A-Za-z])\d+(?![A-Za-z])/g;
const DIGIT = /\d/;
const LETTER = /[A-Za-z]/;

/** `user:42:settings` → `user:{id}:settings`: ids replaced wherever they appear in a cache key. */
export function templateKey(key: string): string {
  return key
    .replace(UUID, ID_PLACEHOLDER)
    .replace(EMAIL, ID_PLACEHOLDER)
    .replace(LONG_TOKEN, (token) => (DIGIT.test(token) ? ID_PLACEHOLDER : token))
    .replace(MIXED_TOKEN, (token) => (DIGIT.test(token) && LETTER.test(token) ? ID_PLACEHOLDER : token))
    .replace(HEX_RUN, (run) => (DIGIT.test(run) ? ID_PLACEHOLDER : run))
    .replace(NUMBER, ID_PLACEHOLDER);
}
