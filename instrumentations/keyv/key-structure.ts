import { ID_PLACEHOLDER, templateKey } from '../../src/id-patterns.js';
import { isVocabularyWord } from './key-vocabulary.js';

/**
 * Learns the static structure of cache keys, so that a key pattern shows what keys of one kind share
 * (`user:{id}:settings`, `session:{id}`) and never text that varies from key to key (a name, a search,
 * a token).
 *
 * A key is split into segments at separators (`:` `/` `|` `#` `?` `&` `=` `;` `,`). Keys with the same
 * namespace, separators and first segment are one structure; per structure and segment position spanlens
 * keeps a little evidence, bounded by the constants below:
 * - ids (numbers, UUIDs, e-mail addresses, hex and long tokens) are always `{id}`;
 * - a segment that is not made of words (`john smith`, `ünïcode`, `a+b`) is always `{id}`;
 * - a vocabulary word (`settings`, `list`, `v2`, see key-vocabulary.ts) shows, unless its position has
 *   also held ids or hidden text, or has taken more than MAX_VALUES_PER_POSITION values: then the
 *   position is content and shows `{id}`;
 * - any other word (`alice`, `pwreset`, `Xy7pQ2Lk`) shows only once it is learned as structure: it has
 *   been the only value at its position across MIN_KEYS_TO_LEARN_WORD distinct keys while another
 *   position of the structure varied. So a word seen once never shows, nor does one among others at
 *   its position (a user name), however often it comes back.
 */

/** Structures (namespace, separators, first segment) learned; keys of new ones past it show vocabulary words only. */
export const MAX_KEY_STRUCTURES = 500;
/** Segments of a key that are learned; a longer key shows vocabulary words only. */
export const MAX_LEARNED_SEGMENTS = 8;
/** Distinct values a position may take before it counts as content (`{id}`) for good. */
export const MAX_VALUES_PER_POSITION = 8;
/** Distinct keys a word must have been the only value of its position in, before it shows. */
export const MIN_KEYS_TO_LEARN_WORD = 8;
/** Characters of a key read; the rest of a longer key is not looked at. */
export const MAX_KEY_LENGTH_READ = 512;

type SegmentKind =
  /** empty: `loadInvoice::…` */
  | 'empty'
  /** made of ids and separators only: `42`, `2024-0042` */
  | 'id'
  /** vocabulary words, maybe with ids: `settings`, `user_{id}` */
  | 'word'
  /** words, one or more outside the vocabulary: `alice`, `pwreset`, `Xy7pQ2Lk` */
  | 'unknown-word'
  /** not made of words at all: `john smith`, `a+b` */
  | 'content';

interface Segment {
  kind: SegmentKind;
  /** The segment with its ids templated: `user_{id}`, `alice`. Never shown for `unknown-word` unless learned. */
  text: string;
  hash: number;
}

/** What was seen at one segment position of one structure. */
class PositionEvidence {
  /** More than MAX_VALUES_PER_POSITION distinct values seen: content for good. */
  variable = false;
  idSeen = false;
  /** Values (by hash) not yet known as structure: hidden text, unknown words not learned. */
  unlearned = 0;
  /** By hash of the segment text: how it was classified and the distinct keys (by hash) it was in. */
  values: Map<number, { kind: SegmentKind; keys: number[] }> | undefined = new Map();
  readonly learned = new Set<string>();

  get varies(): boolean {
    return this.variable || this.idSeen || (this.values?.size ?? 0) > 1;
  }

  observe(segment: Segment, keyHash: number): void {
    if (segment.kind === 'id') this.idSeen = true;
    if (this.values === undefined) return;
    let value = this.values.get(segment.hash);
    if (value === undefined) {
      if (this.values.size >= MAX_VALUES_PER_POSITION) {
        this.variable = true;
        this.values = undefined;
        this.learned.clear();
        return;
      }
      value = { kind: segment.kind, keys: [] };
      this.values.set(segment.hash, value);
      if (segment.kind === 'unknown-word' || segment.kind === 'content') this.unlearned += 1;
    }
    if (value.keys.length < MIN_KEYS_TO_LEARN_WORD && !value.keys.includes(keyHash)) value.keys.push(keyHash);
  }

  /** Learns `segment` as structure if it qualifies (see the class comment of the file). */
  maybeLearn(segment: Segment, otherPositionVaries: boolean): void {
    if (segment.kind !== 'unknown-word' || this.values?.size !== 1 || !otherPositionVaries) return;
    const value = this.values.get(segment.hash);
    if (value === undefined || value.keys.length < MIN_KEYS_TO_LEARN_WORD || this.learned.has(segment.text)) return;
    this.learned.add(segment.text);
    this.unlearned -= 1;
  }

  render(segment: Segment): string {
    switch (segment.kind) {
      case 'empty':
      case 'id':
        return segment.text;
      case 'word':
        return this.variable || this.idSeen || this.unlearned > 0 ? ID_PLACEHOLDER : segment.text;
      case 'unknown-word':
        return !this.variable && this.learned.has(segment.text) ? segment.text : ID_PLACEHOLDER;
      default:
        return ID_PLACEHOLDER;
    }
  }
}

/** Key patterns by learned structure, for one keyv instrumentation. Bounded by the constants above. */
export class KeyStructures {
  private readonly structures = new Map<string, PositionEvidence[]>();

  get structureCount(): number {
    return this.structures.size;
  }

  /** The key's pattern after learning from it: its static structure, `{id}` for what varies. */
  patternOf(namespace: string | undefined, key: string): string {
    const read = key.length > MAX_KEY_LENGTH_READ ? key.slice(0, MAX_KEY_LENGTH_READ) : key;
    const { segments, separators } = splitKey(read);
    const positions = this.positionsOf(namespace, segments, separators);
    if (positions !== undefined) {
      const keyHash = hashText(read);
      segments.forEach((segment, p) => (positions[p] as PositionEvidence).observe(segment, keyHash));
      segments.forEach((segment, p) =>
        (positions[p] as PositionEvidence).maybeLearn(segment, positions.some((other, q) => q !== p && other.varies)),
      );
    }
    let pattern = '';
    segments.forEach((segment, p) => {
      pattern += positions === undefined ? renderWithoutEvidence(segment) : (positions[p] as PositionEvidence).render(segment);
      pattern += separators[p] ?? '';
    });
    return pattern;
  }

  private positionsOf(namespace: string | undefined, segments: Segment[], separators: string[]): PositionEvidence[] | undefined {
    if (segments.length > MAX_LEARNED_SEGMENTS) return undefined;
    const first = segments[0] as Segment;
    const firstText = first.kind === 'word' || first.kind === 'unknown-word' || first.kind === 'empty' ? first.text : ID_PLACEHOLDER;
    const structureKey = `${namespace ?? ''}\u0000${separators.join('')}\u0000${firstText}`;
    let positions = this.structures.get(structureKey);
    if (positions === undefined) {
      if (this.structures.size >= MAX_KEY_STRUCTURES) return undefined;
      positions = segments.map(() => new PositionEvidence());
      this.structures.set(structureKey, positions);
    }
    return positions;
  }
}

/** Without evidence (past the bounds), only ids, empty segments and vocabulary words show. */
function renderWithoutEvidence(segment: Segment): string {
  return segment.kind === 'empty' || segment.kind === 'id' || segment.kind === 'word' ? segment.text : ID_PLACEHOLDER;
}

// : / | # ? & = ; ,
const SEPARATOR_CODES = new Set([58, 47, 124, 35, 63, 38, 61, 59, 44]);

/** An `=` in a run that ends the key or a segment: base64 padding, part of the token before it. */
function isPadding(key: string, i: number): boolean {
  if (key.charCodeAt(i) !== 61) return false;
  let end = i;
  while (key.charCodeAt(end) === 61) end += 1;
  return end === key.length || SEPARATOR_CODES.has(key.charCodeAt(end));
}

function splitKey(key: string): { segments: Segment[]; separators: string[] } {
  const segments: Segment[] = [];
  const separators: string[] = [];
  let start = 0;
  for (let i = 0; i < key.length; i += 1) {
    if (!SEPARATOR_CODES.has(key.charCodeAt(i)) || isPadding(key, i)) continue;
    segments.push(classify(key.slice(start, i)));
    separators.push(key[i] as string);
    start = i + 1;
  }
  segments.push(classify(key.slice(start)));
  return { segments, separators };
}

const WORD = /^[A-Za-z][A-Za-z0-9]*$/;
// Parts of a camelCase or PascalCase word: `loadInvoice` → load, Invoice; `HTTPCache` → HTTP, Cache.
const CAMEL_CASE_PART = /[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+/g;

const DIGITS = /^\d+$/;
const ID_SEGMENT: Segment = { kind: 'id', text: ID_PLACEHOLDER, hash: hashText(ID_PLACEHOLDER) };

function classify(raw: string): Segment {
  if (raw.length === 0) return { kind: 'empty', text: '', hash: 0 };
  if (DIGITS.test(raw)) return ID_SEGMENT;
  const text = templateKey(raw);
  const hash = hashText(text);
  // Words joined by `.`, `-` or `_`, with ids templated: `user_{id}`, `notifications.email`.
  const parts = /[._-]/.test(text) ? text.split(/[._-]/) : [text];
  let ids = 0;
  let unknown = false;
  for (const part of parts) {
    if (part === ID_PLACEHOLDER) {
      ids += 1;
    } else if (!WORD.test(part)) {
      return { kind: 'content', text, hash };
    } else if (!isVocabularyWord(part.toLowerCase())) {
      const camelParts = part.match(CAMEL_CASE_PART) ?? [];
      if (camelParts.length < 2 || !camelParts.every((camel) => isVocabularyWord(camel.toLowerCase()))) unknown = true;
    }
  }
  if (ids === parts.length) return { kind: 'id', text, hash };
  return { kind: unknown ? 'unknown-word' : 'word', text, hash };
}

/** FNV-1a, 32 bits: to tell keys and values apart without keeping them. */
function hashText(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
