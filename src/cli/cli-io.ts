import { escapeControlCharacters } from '../control-characters.js';

/** What the CLI touches of its process, passed in so tests can run it in-process. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Whether stdout is a terminal (colour is only used there). */
  isTTY: boolean;
  env: Record<string, string | undefined>;
}

/** Bad input, unreachable source or unusable snapshot. */
export const EXIT_USAGE = 2;
/** A bug in spanlens itself. */
export const EXIT_INTERNAL = 1;

/** One line on stderr; file names, URLs and reasons in it may hold control characters, written as escapes. */
export function printError(io: CliIo, message: string): void {
  io.stderr.write(`spanlens: ${escapeControlCharacters(message)}\n`);
}
