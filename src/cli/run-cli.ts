import { Command, CommanderError, Option } from 'commander';
import { VERSION } from '../version.js';
import { oneLine } from './cli-error.js';
import { type CliIo, EXIT_USAGE, printError } from './cli-io.js';
import { DEFAULT_STATS_URL } from './load-snapshot.js';
import { runReport } from './run-report.js';

interface ReportFlags {
  url: string;
  file?: string;
  baseline?: string;
  save?: string;
  json?: boolean;
}

/**
 * Runs the `spanlens` command line with `argv` = the user's arguments (`process.argv.slice(2)`), and
 * returns the exit code: 0 on success, 2 on any usage or input error (one line on stderr).
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const program = new Command('spanlens')
    .description('Per-endpoint response times, SQL query counts, N+1 queries and cache hit rates from spanlens')
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      // Help printed because of an error, and commander's own (multi-line) error text, are replaced
      // by the single line written below.
      writeErr: () => {},
      outputError: () => {},
    });

  program
    .command('report')
    .description('print the top endpoints, N+1 queries, slow queries and cache hit rates of a snapshot')
    .addOption(new Option('--url <url>', 'read the snapshot from a running process').default(DEFAULT_STATS_URL))
    .addOption(new Option('--file <file>', 'read a snapshot saved with --save').conflicts('url'))
    .option('--baseline <file>', 'compare with a saved snapshot: change per endpoint and overall')
    .option('--save <file>', 'also write the snapshot to this file (JSON)')
    .addOption(new Option('--json', 'print the snapshot as JSON instead of the report').conflicts('baseline'))
    .action(async (flags: ReportFlags) => {
      exitCode = await runReport(
        {
          source: flags.file !== undefined ? { file: flags.file } : { url: flags.url },
          ...(flags.baseline !== undefined && { baselineFile: flags.baseline }),
          ...(flags.save !== undefined && { saveFile: flags.save }),
          json: flags.json === true,
        },
        io,
      );
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
    printError(io, usageMessage(error));
    return EXIT_USAGE;
  }
}

function usageMessage(error: CommanderError): string {
  // Commander asks for help when no command is given.
  if (error.code === 'commander.help') return "missing command; try 'spanlens report --help'";
  return oneLine(error.message.replace(/^error: /, ''));
}
