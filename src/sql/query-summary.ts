/** `db.query.summary` is a metric label: it is cut to this many characters, at a word boundary. */
export const MAX_QUERY_SUMMARY_LENGTH = 120;

/** What the parse tree or the token stream says a statement does. */
export interface StatementDescription {
  /** Upper-case operation of the (first) statement: `SELECT`, `INSERT`, `BEGIN`, … or `UNKNOWN`. */
  operation: string;
  /** `db.query.summary`: each operation and the tables it names, in order (`INSERT shipping_details SELECT orders`). */
  summary: string;
  /** Distinct tables the statement touches, as written (`public.users`), CTE names excluded. */
  tables: string[];
}

/** Tables listed per statement; a statement naming more is still summarized, but its list is cut. */
export const MAX_TABLES_PER_STATEMENT = 32;

/**
 * Collects the operations and table names of a statement in the order they appear, in the shape of
 * OpenTelemetry's `db.query.summary` (operations upper-case, names as written, joined by spaces).
 */
export class SummaryBuilder {
  private readonly parts: string[] = [];
  private length = 0;
  private readonly tableSet = new Set<string>();
  readonly tables: string[] = [];

  addOperation(operation: string): void {
    this.append(operation.toUpperCase());
  }

  addTable(name: string, isCteName = false): void {
    this.append(name);
    if (isCteName || this.tableSet.has(name) || this.tables.length >= MAX_TABLES_PER_STATEMENT) return;
    this.tableSet.add(name);
    this.tables.push(name);
  }

  build(operation: string): StatementDescription {
    const summary = this.parts.length === 0 ? operation : this.parts.join(' ');
    return { operation, summary: summary.slice(0, MAX_QUERY_SUMMARY_LENGTH), tables: this.tables };
  }

  private append(part: string): void {
    if (part.length === 0) return;
    // Past the cap, later parts are dropped whole rather than cut in the middle of a name.
    const added = this.parts.length === 0 ? part.length : part.length + 1;
    if (this.length + added > MAX_QUERY_SUMMARY_LENGTH && this.parts.length > 0) {
      this.length = MAX_QUERY_SUMMARY_LENGTH + 1;
      return;
    }
    this.parts.push(part);
    this.length += added;
  }
}
