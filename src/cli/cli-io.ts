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

export function printError(io: CliIo, message: string): void {
  io.stderr.write(`spanlens: ${message}\n`);
}
