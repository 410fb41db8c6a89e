/** ANSI styling that is the identity when colour is off, so the report renders the same either way. */
export interface Colour {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
}

const style =
  (open: number, close: number) =>
  (text: string): string =>
    `\u001b[${open}m${text}\u001b[${close}m`;

const ANSI: Colour = {
  bold: style(1, 22),
  dim: style(2, 22),
  red: style(31, 39),
  green: style(32, 39),
  yellow: style(33, 39),
};

const identity = (text: string): string => text;
const PLAIN: Colour = { bold: identity, dim: identity, red: identity, green: identity, yellow: identity };

export function colour(enabled: boolean): Colour {
  return enabled ? ANSI : PLAIN;
}

/** Colour only on a terminal, and never when `NO_COLOR` is set to any value (https://no-color.org). */
export function shouldUseColour(output: { isTTY: boolean; env: Record<string, string | undefined> }): boolean {
  return output.isTTY && output.env['NO_COLOR'] === undefined;
}
