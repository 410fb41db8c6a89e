import { ID_PLACEHOLDER, templateKey } from '../id-patterns.js';

/** Placeholder for a path segment that carries content (a name, a slug, a position learned to vary). */
export const NAME_PLACEHOLDER = '{name}';
/** Placeholder for the file name of a path's last segment (`/assets/{file}.png`). */
export const FILE_PLACEHOLDER = '{file}';
/** Distinct words one position may show (below one templated prefix) before it is taken for a parameter. */
export const MAX_WORDS_PER_POSITION = 20;
/** Templated prefixes whose positions are learned; past it new positions are taken for parameters. */
export const MAX_LEARNED_POSITIONS = 2_000;

// A route word: lower-case letters and digits; at the top level two parts may be joined by `-` or `_`
// (`/user-settings`), below it such a pair is more likely a slug or a handle (`/users/abc-def`).
const ROUTE_WORD = /^[a-z0-9]+$/;
const TOP_LEVEL_ROUTE_WORD = /^[a-z0-9]+(?:[-_][a-z0-9]+)?$/;
const MAX_ROUTE_WORD_LENGTH = 32;
// A file name with a short extension, as static files are served (`logo.png`, `main.3f2a9c.js`).
const FILE_NAME = /^.+\.([a-z0-9]{1,5})$/i;
const WORD_WITH_IDS = /^[a-z_-]*$/;
// Three digits or more make an id of any token (`abc123`, `build2024`); `v2`, `oauth2`, `i18n` stay names.
const THREE_DIGITS = /\d.*\d.*\d/;
// A token led by a digit with another digit in it (`31m`, `300x200`, `2024-01-05`); `2fa` and `3d` stay words.
const DIGIT_LED_TOKEN = /^\d.*\d/;

interface Position {
  words: Set<string>;
  varies: boolean;
}

/**
 * Templates request paths that no framework route describes (plain `http` apps), so that no value
 * from the URL becomes a label: ids become `{id}`, segments that look like content (capitals, dots,
 * `@`, spaces, slugs, long ones) `{name}`, a last segment naming a file
 * `{file}.ext`, and a position below one prefix that has shown more than `MAX_WORDS_PER_POSITION`
 * distinct words in answered requests is learned to be a parameter (`/users/{name}/posts`).
 * Only answered requests (status below 400) teach it, so scanners cannot.
 */
export class PathTemplates {
  private readonly positions = new Map<string, Position>();

  /** `/users/alice.smith/posts?x=1` → `/users/{name}/posts`; `learn` for answered requests only. */
  template(path: string, learn: boolean): string {
    const segments = (path.split(/[?#]/, 1)[0] ?? '').split('/');
    const last = segments.length - 1;
    let templated = '';
    for (let index = 1; index <= last; index += 1) {
      const segment = decodeSegment(segments[index]!);
      templated += '/' + this.templateSegment(templated, segment, index === last, learn);
    }
    return templated || '/';
  }

  private templateSegment(prefix: string, segment: string, isLast: boolean, learn: boolean): string {
    if (segment === '') return '';
    if (templateKey(segment) === ID_PLACEHOLDER) return ID_PLACEHOLDER;
    if (isLast) {
      const file = FILE_NAME.exec(segment);
      if (file !== null) return `${FILE_PLACEHOLDER}.${file[1]!.toLowerCase()}`;
    }
    if (DIGIT_LED_TOKEN.test(segment) || THREE_DIGITS.test(segment)) return ID_PLACEHOLDER;
    if (segment.length > MAX_ROUTE_WORD_LENGTH) return NAME_PLACEHOLDER;
    // A word with an id inside (`order-42`, `page_7`) keeps its word: the id goes either way.
    const withIds = templateKey(segment);
    if (withIds !== segment) return WORD_WITH_IDS.test(withIds.replaceAll(ID_PLACEHOLDER, '')) ? withIds : NAME_PLACEHOLDER;
    if (!(prefix === '' ? TOP_LEVEL_ROUTE_WORD : ROUTE_WORD).test(segment)) return NAME_PLACEHOLDER;
    return this.isParameterPosition(prefix, segment, learn) ? NAME_PLACEHOLDER : segment;
  }

  private isParameterPosition(prefix: string, word: string, learn: boolean): boolean {
    let position = this.positions.get(prefix);
    if (position === undefined) {
      if (!learn) return false;
      if (this.positions.size >= MAX_LEARNED_POSITIONS) return true;
      position = { words: new Set(), varies: false };
      this.positions.set(prefix, position);
    }
    if (position.varies) return true;
    if (!learn || position.words.has(word)) return false;
    position.words.add(word);
    if (position.words.size <= MAX_WORDS_PER_POSITION) return false;
    position.varies = true;
    position.words.clear();
    return true;
  }
}

function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
