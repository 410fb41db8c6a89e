import { escapeControlCharacters } from '../control-characters.js';
import { runCli } from './run-cli.js';

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  isTTY: process.stdout.isTTY === true,
  env: process.env,
}).then(
  (exitCode) => {
    process.exitCode = exitCode;
  },
  (error: unknown) => {
    process.stderr.write(`spanlens: internal error: ${escapeControlCharacters(error instanceof Error ? error.message : String(error))}\n`);
    process.exitCode = 1;
  },
);
