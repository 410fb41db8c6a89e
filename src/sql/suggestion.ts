import { type TreeNode, isNode, rangeVarName, statementsOf } from './parse-tree.js';

/** Columns spelled out in a suggestion; wider statements end the list with `...`. */
const MAX_SUGGESTED_COLUMNS = 6;

const WRITE_OPERATIONS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

/** A single-row filter `table.column = value` found in a WHERE clause. */
interface EqualityLookup {
  table: string | undefined;
  column: string;
  /** Whether the WHERE clause has other conditions besides this one. */
  hasOtherConditions: boolean;
}

function stringsOf(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  const out: string[] = [];
  for (const item of list) {
    if (isNode(item) && isNode(item.String) && typeof item.String.sval === 'string') out.push(item.String.sval);
  }
  return out;
}

function isValue(node: unknown): boolean {
  if (!isNode(node)) return false;
  if (isNode(node.ParamRef) || isNode(node.A_Const)) return true;
  return isNode(node.TypeCast) && isValue(node.TypeCast.arg);
}

function columnOf(node: unknown): string[] | undefined {
  if (!isNode(node) || !isNode(node.ColumnRef)) return undefined;
  const fields = stringsOf(node.ColumnRef.fields);
  return fields.length === 0 ? undefined : fields;
}

/** Aliases and names of the tables in a FROM clause (or a statement's target), mapped to their names. */
function tablesIn(fromItems: unknown, names: Map<string, string>, order: string[]): void {
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (!isNode(value)) return;
    if (isNode(value.RangeVar)) {
      addRangeVar(value.RangeVar, names, order);
    } else if (isNode(value.JoinExpr)) {
      visit(value.JoinExpr.larg);
      visit(value.JoinExpr.rarg);
    }
  };
  visit(fromItems);
}

function addRangeVar(rangeVar: TreeNode, names: Map<string, string>, order: string[]): void {
  const name = rangeVarName(rangeVar);
  if (name === undefined) return;
  order.push(name);
  names.set(name, name);
  if (typeof rangeVar.relname === 'string') names.set(rangeVar.relname, name);
  if (isNode(rangeVar.alias) && typeof rangeVar.alias.aliasname === 'string') names.set(rangeVar.alias.aliasname, name);
}

function findEqualityLookup(where: unknown, names: Map<string, string>, order: string[]): EqualityLookup | undefined {
  if (!isNode(where)) return undefined;
  const conditions =
    isNode(where.BoolExpr) && where.BoolExpr.boolop === 'AND_EXPR' && Array.isArray(where.BoolExpr.args)
      ? where.BoolExpr.args
      : [where];
  for (const condition of conditions) {
    if (!isNode(condition) || !isNode(condition.A_Expr)) continue;
    const expression = condition.A_Expr;
    if (expression.kind !== 'AEXPR_OP' || stringsOf(expression.name).join('') !== '=') continue;
    const fields =
      isValue(expression.rexpr) ? columnOf(expression.lexpr) : isValue(expression.lexpr) ? columnOf(expression.rexpr) : undefined;
    if (fields === undefined) continue;
    const column = fields[fields.length - 1] as string;
    const qualifier = fields.length > 1 ? fields.slice(0, -1).join('.') : undefined;
    const table = qualifier !== undefined ? (names.get(qualifier) ?? qualifier) : order[0];
    return { table, column, hasOtherConditions: conditions.length > 1 };
  }
  return undefined;
}

function columnList(names: readonly string[]): string {
  const shown = names.slice(0, MAX_SUGGESTED_COLUMNS);
  return names.length > MAX_SUGGESTED_COLUMNS ? `${shown.join(', ')}, ...` : shown.join(', ');
}

function anyFilter(lookup: EqualityLookup): string {
  const column = lookup.table === undefined ? lookup.column : `${lookup.table}.${lookup.column}`;
  return `${column} = ANY($1)${lookup.hasOtherConditions ? ' AND ...' : ''}`;
}

function selectSuggestion(statement: TreeNode): string | undefined {
  if (typeof statement.op === 'string' && statement.op !== 'SETOP_NONE') return undefined;
  const names = new Map<string, string>();
  const order: string[] = [];
  tablesIn(statement.fromClause, names, order);
  const lookup = findEqualityLookup(statement.whereClause, names, order);
  if (lookup === undefined || lookup.table === undefined) return undefined;
  return (
    `Batch the repeated lookups into one query: \`SELECT ... FROM ${lookup.table} WHERE ${anyFilter(lookup)}\` ` +
    `(one array parameter), or JOIN ${lookup.table} into the parent query.`
  );
}

function insertSuggestion(statement: TreeNode): string | undefined {
  if (!isNode(statement.relation)) return undefined;
  const table = rangeVarName(statement.relation);
  const select = isNode(statement.selectStmt) ? statement.selectStmt.SelectStmt : undefined;
  // INSERT … SELECT already is set-based; only VALUES rows can be folded together.
  if (table === undefined || !isNode(select) || !Array.isArray(select.valuesLists)) return undefined;
  const columns: string[] = [];
  if (Array.isArray(statement.cols)) {
    for (const col of statement.cols) {
      if (isNode(col) && isNode(col.ResTarget) && typeof col.ResTarget.name === 'string') columns.push(col.ResTarget.name);
    }
  }
  const firstRow = select.valuesLists[0];
  const width = columns.length > 0 ? columns.length : isNode(firstRow) && isNode(firstRow.List) && Array.isArray(firstRow.List.items) ? firstRow.List.items.length : 1;
  const arrays = Array.from({ length: Math.min(width, MAX_SUGGESTED_COLUMNS) }, (_, i) => `$${i + 1}::type[]`);
  if (width > MAX_SUGGESTED_COLUMNS) arrays.push('...');
  const target = columns.length > 0 ? `${table} (${columnList(columns)})` : table;
  return (
    `Insert the rows with one statement: \`INSERT INTO ${target} SELECT * FROM unnest(${arrays.join(', ')})\` ` +
    `(one array parameter per column), or one multi-row VALUES list.`
  );
}

/** The `col = $1` lookup of an UPDATE or DELETE on its one table, if its WHERE is one. */
function relationLookup(statement: TreeNode): (EqualityLookup & { table: string }) | undefined {
  if (!isNode(statement.relation)) return undefined;
  const names = new Map<string, string>();
  const order: string[] = [];
  addRangeVar(statement.relation, names, order);
  const lookup = findEqualityLookup(statement.whereClause, names, order);
  return lookup === undefined || lookup.table === undefined ? undefined : { ...lookup, table: lookup.table };
}

function deleteSuggestion(statement: TreeNode): string | undefined {
  const lookup = relationLookup(statement);
  if (lookup === undefined) return undefined;
  return `Delete the rows with one statement: \`DELETE FROM ${lookup.table} WHERE ${anyFilter(lookup)}\` (one array parameter).`;
}

function updateSuggestion(statement: TreeNode): string | undefined {
  const lookup = relationLookup(statement);
  if (lookup === undefined) return undefined;
  const assigned: string[] = [];
  if (Array.isArray(statement.targetList)) {
    for (const target of statement.targetList) {
      if (isNode(target) && isNode(target.ResTarget) && typeof target.ResTarget.name === 'string') assigned.push(target.ResTarget.name);
    }
  }
  const shown = assigned.slice(0, MAX_SUGGESTED_COLUMNS);
  const sets = shown.map((column) => `${column} = v.${column}`).join(', ') + (assigned.length > shown.length ? ', ...' : '');
  const columns = [lookup.column, ...shown];
  const arrays = columns.map((_, i) => `$${i + 1}::type[]`).join(', ');
  const table = lookup.table;
  return (
    `Update the rows with one statement: \`UPDATE ${table} SET ${sets} FROM unnest(${arrays}) AS v(${columns.join(', ')}) ` +
    `WHERE ${table}.${lookup.column} = v.${lookup.column}\`, or \`WHERE ${anyFilter(lookup)}\` when every row gets the same values.`
  );
}

/**
 * A concrete way to batch a statement that ran once per item, from its parse tree: `= ANY($1)` for a
 * lookup by one column, `unnest` for single-row INSERTs and UPDATEs. `undefined` when the tree shows
 * no such shape (then {@link genericBatchingSuggestion} applies).
 */
export function suggestFromParseTree(tree: unknown): string | undefined {
  const statement = statementsOf(tree)[0];
  if (statement === undefined) return undefined;
  switch (statement.type) {
    case 'SelectStmt':
      return selectSuggestion(statement.node);
    case 'InsertStmt':
      return insertSuggestion(statement.node);
    case 'DeleteStmt':
      return deleteSuggestion(statement.node);
    case 'UpdateStmt':
      return updateSuggestion(statement.node);
    default:
      return undefined;
  }
}

/** The hint for a repeated statement of any other shape, naming what it touches. */
export function genericBatchingSuggestion(operation: string, tables: readonly string[]): string {
  const table = tables[0];
  if (table === undefined) {
    return 'Run the statement once for all items (a set-based query or a batch) instead of once per item.';
  }
  if (WRITE_OPERATIONS.has(operation)) {
    return (
      `Write the rows of all items with one statement instead of one \`${operation} ${table}\` per item: ` +
      'pass the values as array parameters (`unnest($1::type[], ...)`) or batch the rows.'
    );
  }
  return (
    `Load the rows for all items with one query instead of one \`${operation} ${table}\` per item: ` +
    `JOIN ${table} into the parent query, or pass the keys as one array parameter (\`= ANY($1)\`).`
  );
}

const MANY_VARIANTS: Record<string, string> = { get: 'getMany', set: 'setMany', delete: 'deleteMany', has: 'hasMany' };

/** The hint for a cache operation repeated per item: its `…Many` variant, one round trip. */
export function suggestCacheBatching(operation: string, keyPattern: string): string {
  const many = MANY_VARIANTS[operation];
  if (many === undefined) {
    return `Batch the repeated \`keyv.${operation}\` calls for \`${keyPattern}\` into one round trip.`;
  }
  const argument = operation === 'set' ? '[{ key, value }, ...]' : 'keys';
  return (
    `Make one round trip: replace the repeated \`keyv.${operation}\` calls for \`${keyPattern}\` ` +
    `with one \`keyv.${many}(${argument})\`.`
  );
}
