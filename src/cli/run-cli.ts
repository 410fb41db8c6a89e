import { Command, CommanderError, Option } from 'commander';
import { VERSION } from '../version.js';
import { oneLine } from './cli-error.js';
import { type CliIo, EXIT_USAGE, printError } from './cli-io.js';
import { DEFAULT_RANGE } from './fleet/load-fleet-snapshot.js';
import { BASIC_AUTH_VARIABLE, BEARER_TOKEN_VARIABLE } from './fleet/prometheus-credentials.js';
import { DEFAULT_STATS_URL } from './load-snapshot.js';
import { runReport } from './run-report.js';

/** Flags that only mean something for a fleet, by their commander attribute name. */
const FLEET_ONLY_FLAGS = { selector: '--selector', range: '--range', baselineOffset: '--baseline-offset' } as const;

interface ReportFlags {
  url: string;
  file?: string;
  prometheus?: string;
  selector?: string;
  range: string;
  baselineOffset?: string;
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
    .description('print the top endpoints, N+1 queries, slow queries and cache hit rates of a process or a fleet')
    .addOption(new Option('--url <url>', 'read the snapshot from a running process').default(DEFAULT_STATS_URL))
    .addOption(new Option('--file <file>', 'read a snapshot saved with --save').conflicts('url'))
    .addOption(
      new Option('--prometheus <url>', 'the fleet: read every instance under --selector from a Prometheus-compatible server').conflicts([
        'url',
        'file',
      ]),
    )
    .option('--selector <selector>', 'with --prometheus: label matchers for every query, e.g. {job="api"}')
    .addOption(new Option('--range <duration>', 'with --prometheus: the window, ending now').default(DEFAULT_RANGE))
    .option('--baseline <file>', 'compare with a saved snapshot: change per endpoint and overall')
    .addOption(
      new Option('--baseline-offset <duration>', 'with --prometheus: compare with the same window this long before, e.g. 1d').conflicts('baseline'),
    )
    .option('--save <file>', 'also write the snapshot to this file (JSON)')
    .addOption(new Option('--json', 'print the snapshot as JSON instead of the report').conflicts(['baseline', 'baselineOffset']))
    .addHelpText(
      'after',
      `\nWith --prometheus, credentials come from\n${BEARER_TOKEN_VARIABLE} or ${BASIC_AUTH_VARIABLE} (user:password);\n` +
        'they are never printed or saved.',
    )
    .action(async (flags: ReportFlags, command: Command) => {
      const fleetOnly = Object.entries(FLEET_ONLY_FLAGS).find(
        ([name]) => command.getOptionValueSource(name) === 'cli' && flags.prometheus === undefined,
      );
      if (fleetOnly !== undefined) {
        printError(io, `option '${fleetOnly[1]}' needs --prometheus`);
        exitCode = EXIT_USAGE;
        return;
      }
      exitCode = await runReport(
        {
          source:
            flags.prometheus !== undefined
              ? { prometheus: flags.prometheus, range: flags.range, ...(flags.selector !== undefined && { selector: flags.selector }) }
              : flags.file !== undefined
                ? { file: flags.file }
                : { url: flags.url },
          ...(flags.baseline !== undefined && { baselineFile: flags.baseline }),
          ...(flags.baselineOffset !== undefined && { baselineOffset: flags.baselineOffset }),
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
