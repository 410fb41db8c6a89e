/**
 * Ids and personal values never become labels: route templating and cache key patterns both replace
 * them with `{id}`, by the same rules. Numbers, UUIDs, hex runs of 8+ with a digit, e-mail addresses,
 * tokens of 16+ letters and digits mixed, and anything of 24+ token characters (JWTs, base64).
 */
export const ID_PLACEHOLDER = '{id}';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const EMAIL = /[^\s:/@]+@[^\s:/@]+/g;
const LONG_TOKEN = /[A-Za-z0-9_\-+.=]{24,}/g;
const MIXED_TOKEN = /[A-Za-z0-9]{16,}/g;
const HEX_RUN = /[0-9a-f]{8,}/gi;
const NUMBER = /\d+/g;
const DIGIT = /\d/;
const LETTER = /[A-Za-z]/;

/** `user:42:settings` → `user:{id}:settings`: ids replaced wherever they appear in a cache key. */
export function templateKey(key: string): string {
  return key
    .replace(UUID, ID_PLACEHOLDER)
    .replace(EMAIL, ID_PLACEHOLDER)
    .replace(LONG_TOKEN, (token) => (token.includes(ID_PLACEHOLDER) ? token : ID_PLACEHOLDER))
    .replace(MIXED_TOKEN, (token) => (DIGIT.test(token) && LETTER.test(token) ? ID_PLACEHOLDER : token))
    .replace(HEX_RUN, (run) => (DIGIT.test(run) ? ID_PLACEHOLDER : run))
    .replace(NUMBER, ID_PLACEHOLDER);
}

/**
 * Whether a whole path segment is an id. Paths are templated segment by segment, so that a name with
 * a digit in it (`v2`, `oauth2`) stays a name.
 */
export function isIdSegment(segment: string): boolean {
  if (segment.length === 0) return false;
  if (/^\d+$/.test(segment)) return true;
  return templateKey(segment) === ID_PLACEHOLDER || segment.includes('@') || (segment.length >= 16 && DIGIT.test(segment));
}
