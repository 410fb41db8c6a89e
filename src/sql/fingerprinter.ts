import { createHash } from 'node:crypto';
import { diag } from '@opentelemetry/api';
import { warnOnce } from '../diag-once.js';
import { truncate } from '../truncate.js';
import { LruCache } from './lru-cache.js';
import { categorizeParseTree, describeParseTree } from './parse-tree.js';
import { type StatementCategory, categorizeStatementText } from './statement-class.js';
import { type SqlToken, renderTokens, tokenizeSql, tokenizeSqlOfUnknownDialect } from './sql-lexer.js';
import { genericBatchingSuggestion, suggestFromParseTree } from './suggestion.js';
import { describeTokens } from './token-summary.js';
import { keepWebAssemblyOnBaselineCompiler } from './wasm-tiering.js';

/** Analyses kept, keyed by statement text: an app has far fewer distinct statements than this. */
export const MAX_CACHED_STATEMENTS = 2_000;
/**
 * Parse results kept, keyed by canonical text (literals, case, spacing and list lengths removed): a
 * statement with inlined literals is parsed once per shape, not once per value.
 */
export const MAX_CACHED_SHAPES = 2_000;
/** Longer statements (bulk INSERTs) skip the parser and the caches: the fallback is linear in their length. */
export const MAX_PARSED_STATEMENT_LENGTH = 8 * 1024;
/** Normalized text longer than this is cut (with `…`); the fingerprint still covers all of it. */
export const MAX_NORMALIZED_QUERY_LENGTH = 2_048;
/**
 * Statement shapes first seen before the parser was ready, which keep their fallback analysis for the
 * life of the process (see {@link SqlFingerprinter}); later ones past this many get the parser's.
 */
export const MAX_EARLY_SHAPES = 2_000;

/** What spanlens knows about one SQL statement's shape. Shared between callers: never mutate it. */
export interface SqlAnalysis {
  /** Equal for statements that differ only in literals, parameters, IN-list lengths, comments or spacing. */
  readonly fingerprint: string;
  /** The statement with every literal replaced by a placeholder and comments removed. */
  readonly normalized: string;
  /** `db.query.summary`: `SELECT users meetings`, at most 120 characters. */
  readonly summary: string;
  /** `SELECT`, `INSERT`, `BEGIN`, … or `UNKNOWN`. */
  readonly operation: string;
  readonly tables: readonly string[];
  /** Whether PostgreSQL's parser read the statement (otherwise the fallback lexer did). */
  readonly parsed: boolean;
  /** Transaction control and cursor reads are never N+1 queries. */
  readonly category: StatementCategory;
  /** How to batch this statement should it run once per item (an N+1). */
  readonly suggestion: string;
}

/** Everything about a statement but its text: shared by all statements of one shape. */
type StatementShape = Omit<SqlAnalysis, 'normalized'>;

interface PostgresParser {
  parseSync(sql: string): unknown;
  fingerprintSync(sql: string): string;
}

export interface SqlFingerprinterOptions {
  /** Defaults to {@link MAX_CACHED_STATEMENTS}. */
  maxCachedStatements?: number;
  /** Defaults to {@link MAX_CACHED_SHAPES}. */
  maxCachedShapes?: number;
  /** Defaults to {@link MAX_EARLY_SHAPES}. */
  maxEarlyShapes?: number;
  /** Start loading the parser at the first statement analyzed, if nobody called {@link SqlFingerprinter.load} before. */
  loadOnFirstStatement?: boolean;
  /** Keep WebAssembly on V8's baseline compiler before the parser is compiled (see wasm-tiering.ts). */
  baselineWebAssembly?: boolean;
}

// PostgreSQL's lexical rules, for text its parser accepts (or is about to be asked about): a quote
// always ends a standard string, so `'C:\'AS x` reads as PostgreSQL reads it.
const POSTGRES_LEXING = { backslashEscapesInStrings: false, doubleQuotedAreIdentifiers: true, strictStandardStrings: true };

function fallbackFingerprint(canonical: string): string {
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

function capNormalized(normalized: string): string {
  return truncate(normalized, MAX_NORMALIZED_QUERY_LENGTH);
}

function withText(shape: StatementShape, normalized: string): SqlAnalysis {
  return Object.freeze({ ...shape, normalized: capNormalized(normalized) });
}

/** The shape of a statement from its tokens alone; the fingerprint is a hash of the canonical text. */
function shapeFromTokens(tokens: readonly SqlToken[], sql: string, canonical: string): StatementShape {
  const { operation, summary, tables } = describeTokens(tokens);
  return {
    fingerprint: fallbackFingerprint(canonical),
    summary,
    operation,
    tables: Object.freeze(tables),
    parsed: false,
    category: categorizeStatementText(sql),
    suggestion: genericBatchingSuggestion(operation, tables),
  };
}

/** The shape of a statement from PostgreSQL's parse tree and fingerprint; throws when it cannot parse it. */
function shapeFromParser(sql: string, parser: PostgresParser): StatementShape {
  const tree = parser.parseSync(sql);
  const fingerprint = parser.fingerprintSync(sql);
  const { operation, summary, tables } = describeParseTree(sql, tree);
  return {
    fingerprint,
    summary,
    operation,
    tables: Object.freeze(tables),
    parsed: true,
    category: categorizeParseTree(tree),
    suggestion: suggestFromParseTree(tree) ?? genericBatchingSuggestion(operation, tables),
  };
}

/**
 * Analysis by the lexer alone, uncached, for statements too long to parse or that the parser rejected:
 * their dialect is unknown, so nothing any reading of it takes for a literal is shown.
 */
function analyzeWithoutParser(sql: string): SqlAnalysis {
  const tokens = tokenizeSqlOfUnknownDialect(sql);
  const { normalized, canonical } = renderTokens(tokens);
  return withText(shapeFromTokens(tokens, sql, canonical), normalized);
}

// Nothing of the statement is safe to show if even the lexer failed on it.
const UNREADABLE_STATEMENT: SqlAnalysis = Object.freeze({
  fingerprint: fallbackFingerprint(''),
  normalized: '',
  summary: 'UNKNOWN',
  operation: 'UNKNOWN',
  tables: Object.freeze([]),
  parsed: false,
  category: 'query',
  suggestion: genericBatchingSuggestion('UNKNOWN', []),
});

/**
 * Fingerprints and normalizes SQL statements with PostgreSQL's own parser (libpg-query, WebAssembly).
 * The parser costs about 20 MiB and 90 ms to load, so it loads when {@link load} is called (spanlens
 * calls it when the app loads `pg`) or, with `loadOnFirstStatement`, at the first statement. Until it
 * has loaded, and for any statement the parser cannot read, a lexer-based fallback answers instead.
 * {@link analyze} is synchronous and never throws.
 *
 * The fallback's fingerprints differ from the parser's, and a statement must keep one fingerprint or
 * the statistics would count it under two: a statement shape first seen before the parser was ready
 * keeps its fallback analysis for the life of the process ({@link MAX_EARLY_SHAPES} of them at most).
 */
export class SqlFingerprinter {
  private parser: PostgresParser | undefined;
  private loading: Promise<boolean> | undefined;
  private failure: unknown;
  private readonly statements: LruCache<string, SqlAnalysis>;
  /** By canonical text; `null` for shapes the parser rejected. */
  private readonly shapes: LruCache<string, StatementShape | null>;
  /** Fallback shapes given out before the parser was ready, by their canonical text (never evicted). */
  private readonly earlyShapes = new Map<string, StatementShape>();
  private readonly maxEarlyShapes: number;
  private readonly loadOnFirstStatement: boolean;
  private readonly baselineWebAssembly: boolean;

  constructor(options: SqlFingerprinterOptions = {}) {
    this.statements = new LruCache(options.maxCachedStatements ?? MAX_CACHED_STATEMENTS);
    this.shapes = new LruCache(options.maxCachedShapes ?? MAX_CACHED_SHAPES);
    this.maxEarlyShapes = options.maxEarlyShapes ?? MAX_EARLY_SHAPES;
    this.loadOnFirstStatement = options.loadOnFirstStatement ?? false;
    this.baselineWebAssembly = options.baselineWebAssembly ?? false;
  }

  /** Loads the parser once; resolves `false` (never rejects) when it cannot, see {@link loadError}. */
  load(): Promise<boolean> {
    this.loading ??= this.loadParser();
    return this.loading;
  }

  get parserLoaded(): boolean {
    return this.parser !== undefined;
  }

  /** Whether {@link load} was called (or the first statement started it). */
  get loadRequested(): boolean {
    return this.loading !== undefined;
  }

  /** Statement shapes that keep the fallback's analysis because they came before the parser. */
  get earlyShapeCount(): number {
    return this.earlyShapes.size;
  }

  /** Why the parser could not be loaded, or stopped being used. */
  get loadError(): unknown {
    return this.failure;
  }

  get cachedStatements(): number {
    return this.statements.size;
  }

  get maxCachedStatements(): number {
    return this.statements.capacity;
  }

  get cachedShapes(): number {
    return this.shapes.size;
  }

  get maxCachedShapes(): number {
    return this.shapes.capacity;
  }

  analyze(sql: string): SqlAnalysis {
    const text = typeof sql === 'string' ? sql : String(sql ?? '');
    try {
      if (this.loading === undefined && this.loadOnFirstStatement) void this.load();
      if (text.length > MAX_PARSED_STATEMENT_LENGTH) return analyzeWithoutParser(text);
      const cached = this.statements.get(text);
      if (cached !== undefined) return cached;
      const analysis = this.analyzeUncached(text);
      this.statements.set(text, analysis);
      return analysis;
    } catch {
      return UNREADABLE_STATEMENT;
    }
  }

  private analyzeUncached(sql: string): SqlAnalysis {
    const analysis = this.analyzeAsNow(sql);
    return this.parser !== undefined && this.earlyShapes.size > 0 ? (this.asEarlyShape(sql, analysis) ?? analysis) : analysis;
  }

  /** The analysis with the parser if it is there, else with the fallback (remembered as an early shape). */
  private analyzeAsNow(sql: string): SqlAnalysis {
    const parser = this.parser;
    // Readings of strings differ only at a backslash. A statement with one may be valid both as PostgreSQL
    // reads it and as a server with standard_conforming_strings off does, with other literals: its text is
    // shown as no reading finds a literal in it, and its shape comes from parsing this very statement,
    // never from another one of the same canonical text.
    const ambiguous = sql.includes('\\');
    const tokens = parser === undefined || ambiguous ? tokenizeSqlOfUnknownDialect(sql) : tokenizeSql(sql, POSTGRES_LEXING);
    const { normalized, canonical } = renderTokens(tokens);
    const shapeShared = parser === undefined || !ambiguous;
    let shape = shapeShared ? this.shapes.get(canonical) : undefined;
    if (shape === undefined) {
      if (parser === undefined) {
        shape = shapeFromTokens(tokens, sql, canonical);
        // After a failed load the fallback is final: nothing to keep apart.
        if (this.failure === undefined && this.earlyShapes.size < this.maxEarlyShapes) this.earlyShapes.set(canonical, shape);
      } else {
        try {
          shape = shapeFromParser(sql, parser);
        } catch (error) {
          // A trap inside the WebAssembly module may leave it unusable: stop calling it.
          if (error instanceof WebAssembly.RuntimeError) {
            this.parser = undefined;
            this.failure = error;
            return analyzeWithoutParser(sql);
          }
          shape = null;
        }
      }
      if (shapeShared) this.shapes.set(canonical, shape);
    }
    return shape === null ? analyzeWithoutParser(sql) : withText(shape, normalized);
  }

  /**
   * For a statement whose shape the fallback analysed before the parser was ready: that analysis, which
   * statistics and metrics already count it under (fingerprint, summary, category), with the parser's
   * better suggestion. Undefined for other statements.
   */
  private asEarlyShape(sql: string, parsed: SqlAnalysis): SqlAnalysis | undefined {
    // Read as the fallback read it then, so that the canonical text is the same.
    const { normalized, canonical } = renderTokens(tokenizeSqlOfUnknownDialect(sql));
    const shape = this.earlyShapes.get(canonical);
    return shape === undefined ? undefined : withText({ ...shape, suggestion: parsed.suggestion }, normalized);
  }

  private async loadParser(): Promise<boolean> {
    const startedAt = performance.now();
    try {
      if (this.baselineWebAssembly) keepWebAssemblyOnBaselineCompiler();
      const libpgQuery = await import('libpg-query');
      await libpgQuery.loadModule();
      this.parser = { parseSync: libpgQuery.parseSync, fingerprintSync: libpgQuery.fingerprintSync };
      diag.debug(
        `spanlens: SQL parser loaded in ${Math.round(performance.now() - startedAt)} ms; ` +
          `${this.earlyShapes.size} statement shapes seen before keep their fallback fingerprints`,
      );
      // Every cached analysis came from the fallback: early shapes are found again in `earlyShapes`, and
      // the rest (past MAX_EARLY_SHAPES) get the parser's from now on.
      this.statements.clear();
      this.shapes.clear();
      return true;
    } catch (error) {
      this.failure = error;
      warnOnce('sql-parser', 'the SQL parser did not load; fingerprints come from the fallback normalizer', error);
      return false;
    }
  }
}
