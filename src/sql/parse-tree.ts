import { type StatementDescription, SummaryBuilder } from './query-summary.js';
import { type StatementCategory, leadingKeyword } from './statement-class.js';

/** A node of libpg-query's JSON parse tree, read structurally (the full typings are far wider than needed). */
export type TreeNode = Record<string, unknown>;

export interface ParsedStatement {
  /** `SelectStmt`, `InsertStmt`, … */
  type: string;
  node: TreeNode;
  location: number;
}

export function isNode(value: unknown): value is TreeNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The statements of a parse result, each unwrapped from its `{ SelectStmt: … }` envelope. */
export function statementsOf(tree: unknown): ParsedStatement[] {
  if (!isNode(tree) || !Array.isArray(tree.stmts)) return [];
  const statements: ParsedStatement[] = [];
  for (const raw of tree.stmts) {
    if (!isNode(raw) || !isNode(raw.stmt)) continue;
    const [type, node] = Object.entries(raw.stmt)[0] ?? [];
    if (type === undefined || !isNode(node)) continue;
    statements.push({ type, node, location: typeof raw.stmt_location === 'number' ? raw.stmt_location : 0 });
  }
  return statements;
}

const DATA_OPERATIONS: Record<string, string> = {
  SelectStmt: 'SELECT',
  InsertStmt: 'INSERT',
  UpdateStmt: 'UPDATE',
  DeleteStmt: 'DELETE',
  MergeStmt: 'MERGE',
};

const TRANSACTION_CONTROL_STATEMENTS = new Set(['TransactionStmt', 'VariableSetStmt', 'ConstraintsSetStmt']);

/** `schema.table` of a RangeVar node, as written (quotes removed by the parser). */
export function rangeVarName(rangeVar: TreeNode): string | undefined {
  if (typeof rangeVar.relname !== 'string') return undefined;
  return typeof rangeVar.schemaname === 'string' ? `${rangeVar.schemaname}.${rangeVar.relname}` : rangeVar.relname;
}

/**
 * The operation, `db.query.summary` and tables of a parsed statement. The tree is walked in the order
 * of the source: a statement's WITH clause, then its operation, its target table, then the rest.
 */
export function describeParseTree(sql: string, tree: unknown): StatementDescription {
  const builder = new SummaryBuilder();
  const cteNames = new Set<string>();

  const visitRangeVar = (rangeVar: TreeNode): void => {
    const name = rangeVarName(rangeVar);
    if (name !== undefined) builder.addTable(name, rangeVar.schemaname === undefined && cteNames.has(name));
  };

  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (!isNode(value)) return;
    // Fields of a fixed node type (an INSERT's `relation`) come without their `{ RangeVar: … }` envelope.
    if (typeof value.relname === 'string') {
      visitRangeVar(value);
      return;
    }
    for (const key in value) {
      const child = value[key];
      if (!isNode(child) && !Array.isArray(child)) continue;
      if (key in DATA_OPERATIONS && isNode(child)) visitDataStatement(key, child);
      else if (key === 'CommonTableExpr' && isNode(child)) {
        if (typeof child.ctename === 'string') cteNames.add(child.ctename);
        visit(child.ctequery);
      } else visit(child);
    }
  };

  const visitDataStatement = (type: string, statement: TreeNode): void => {
    visit(statement.withClause);
    // UNION and friends: the operands are SelectStmt nodes without an envelope.
    if (type === 'SelectStmt' && typeof statement.op === 'string' && statement.op !== 'SETOP_NONE') {
      if (isNode(statement.larg)) visitDataStatement(type, statement.larg);
      if (isNode(statement.rarg)) visitDataStatement(type, statement.rarg);
      return;
    }
    // The VALUES rows of an INSERT are a SelectStmt too, but not a SELECT anyone wrote.
    if (!(type === 'SelectStmt' && Array.isArray(statement.valuesLists))) builder.addOperation(DATA_OPERATIONS[type] as string);
    if (isNode(statement.relation)) visitRangeVar(statement.relation);
    for (const key in statement) {
      if (key !== 'withClause' && key !== 'relation') visit(statement[key]);
    }
  };

  const statements = statementsOf(tree);
  let operation = 'UNKNOWN';
  statements.forEach((statement, index) => {
    const dataOperation = DATA_OPERATIONS[statement.type];
    const statementOperation = dataOperation ?? (leadingKeyword(sql, statement.location) || 'UNKNOWN');
    if (index === 0) operation = statementOperation;
    if (dataOperation !== undefined) {
      visitDataStatement(statement.type, statement.node);
    } else {
      builder.addOperation(statementOperation);
      visit(statement.node);
    }
  });
  return builder.build(operation);
}

/** Transaction control or cursor reads only when every statement of the text is one. */
export function categorizeParseTree(tree: unknown): StatementCategory {
  const statements = statementsOf(tree);
  if (statements.length === 0) return 'query';
  if (statements.every((s) => TRANSACTION_CONTROL_STATEMENTS.has(s.type))) return 'transaction-control';
  if (statements.every((s) => s.type === 'FetchStmt')) return 'cursor-fetch';
  return 'query';
}
