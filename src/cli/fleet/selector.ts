import { CliError } from '../cli-error.js';

const LABEL_NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const OPERATOR = /=~|!~|!=|=/y;
const SPACE = /\s*/y;

/**
 * Checks `--selector` (PromQL label matchers, `{job="api", instance=~"10\\..*"}`, braces optional) and
 * returns it as `{…}` to append to a metric name, `''` when it has no matcher. Only matchers are
 * accepted, so the selector can never change the shape of a query; Prometheus judges the values.
 */
export function parseSelector(text: string): string {
  const matchers: string[] = [];
  let position = skipSpace(text, 0);
  const braced = text[position] === '{';
  if (braced) position = skipSpace(text, position + 1);
  while (position < text.length && text[position] !== '}') {
    const name = sticky(LABEL_NAME, text, position);
    if (name === undefined) fail(text, position, 'a label name');
    if (name === '__name__') throw new CliError(`invalid --selector '${text}': it selects series by label; the metric names are spanlens' own`);
    position = skipSpace(text, position + name.length);
    const operator = sticky(OPERATOR, text, position);
    if (operator === undefined) fail(text, position, 'one of = != =~ !~');
    position = skipSpace(text, position + operator.length);
    const value = stringLiteralAt(text, position);
    if (value === undefined) fail(text, position, 'a quoted value');
    matchers.push(`${name}${operator}${value}`);
    position = skipSpace(text, position + value.length);
    if (text[position] === ',') position = skipSpace(text, position + 1);
    else if (position < text.length && text[position] !== '}') fail(text, position, "',' or '}'");
  }
  if (braced !== (text[position] === '}')) fail(text, position, braced ? "'}'" : 'a label matcher');
  const rest = braced ? skipSpace(text, position + 1) : text.length;
  if (rest !== text.length) fail(text, rest, 'the end');
  return matchers.length === 0 ? '' : `{${matchers.join(',')}}`;
}

function fail(text: string, position: number, expected: string): never {
  throw new CliError(`invalid --selector '${text}': expected ${expected} at position ${position + 1}, like {job="api"}`);
}

function sticky(pattern: RegExp, text: string, position: number): string | undefined {
  pattern.lastIndex = position;
  return pattern.exec(text)?.[0] || undefined;
}

function skipSpace(text: string, position: number): number {
  SPACE.lastIndex = position;
  SPACE.exec(text);
  return SPACE.lastIndex;
}

/** A PromQL string literal ("…", '…' with backslash escapes, `…` raw) starting at `position`, as written. */
function stringLiteralAt(text: string, position: number): string | undefined {
  const quote = text[position];
  if (quote !== '"' && quote !== "'" && quote !== '`') return undefined;
  for (let i = position + 1; i < text.length; i += 1) {
    if (text[i] === '\\' && quote !== '`') i += 1;
    else if (text[i] === quote) return text.slice(position, i + 1);
    else if (text[i] === '\n' && quote !== '`') return undefined;
  }
  return undefined;
}
