// The load benchmark's settings: from the command line (`--rounds 7`), else the environment
// (`LOADBENCH_ROUNDS=7`), else `--quick`'s smoke-check values, else the defaults, which take about ten
// minutes on the 2-core development machine.
import { MODES } from './modes.mjs';

export const ROUTES = ['/one', '/ten', '/n-plus-one', '/cached'];

const SETTINGS = {
  rounds: { variable: 'LOADBENCH_ROUNDS', standard: 5, quick: 1, integer: true, min: 1, meaning: 'rounds, each running every mode on every route' },
  seconds: { variable: 'LOADBENCH_SECONDS', standard: 4, quick: 2, min: 1, meaning: 'measured seconds per mode, route and round' },
  warmup: { variable: 'LOADBENCH_WARMUP_SECONDS', standard: 1, quick: 0.5, min: 0, meaning: 'discarded seconds of load before each measured run' },
  initialWarmup: { variable: 'LOADBENCH_INITIAL_WARMUP_SECONDS', standard: 2, quick: 1, min: 0, meaning: 'discarded seconds per mode and route before the first round' },
  connections: { variable: 'LOADBENCH_CONNECTIONS', standard: 10, quick: 10, integer: true, min: 1, meaning: 'concurrent connections' },
  startupRuns: { variable: 'LOADBENCH_STARTUP_RUNS', standard: 8, quick: 3, integer: true, min: 0, meaning: 'start-ups of an empty script per mode' },
  idleSeconds: { variable: 'LOADBENCH_IDLE_SECONDS', standard: 3, quick: 1, min: 0.5, meaning: 'seconds of idle RSS sampling after start-up' },
  soak: { variable: 'LOADBENCH_SOAK_SECONDS', standard: 0, quick: 0, min: 0, meaning: 'instead of the comparison: this many seconds of full load on one mode, RSS every 10 s' },
};
const LISTS = {
  routes: { variable: 'LOADBENCH_ROUTES', known: ROUTES, meaning: 'routes to load, comma-separated' },
  modes: { variable: 'LOADBENCH_MODES', known: MODES.map((mode) => mode.name), meaning: 'modes to compare, comma-separated' },
  soakMode: { variable: 'LOADBENCH_SOAK_MODE', known: MODES.map((mode) => mode.name), single: true, standard: 'spanlens', meaning: 'the mode the soak runs' },
};
const TEXTS = {
  save: { variable: 'LOADBENCH_SAVE', meaning: 'write every measurement as JSON to this file' },
};

const flagOf = (name) => `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;

export function usage() {
  const lines = ['node bench/load.bench.mjs [--quick] [options]   (npm run bench:load -- [options])'];
  for (const [name, setting] of Object.entries({ ...SETTINGS, ...LISTS, ...TEXTS })) {
    const standard = setting.standard === undefined ? '' : ` (default ${setting.standard}${setting.quick === undefined ? '' : `, --quick ${setting.quick}`})`;
    lines.push(`  ${flagOf(name)} or ${setting.variable}: ${setting.meaning}${setting.known ? ` [${setting.known.join(', ')}]` : ''}${standard}`);
  }
  return lines.join('\n');
}

/** Parses the settings; throws an Error naming the flag or variable for a bad value. */
export function readOptions(argv = process.argv.slice(2), env = process.env) {
  const given = {};
  let quick = env.LOADBENCH_QUICK === '1' || env.LOADBENCH_QUICK === 'true';
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--quick') quick = true;
    else if (argument === '--help' || argument === '-h') given.help = true;
    else {
      const [flag, inline] = argument.split('=', 2);
      const name = Object.keys({ ...SETTINGS, ...LISTS, ...TEXTS }).find((key) => flagOf(key) === flag);
      if (name === undefined) throw new Error(`unknown option ${argument}\n${usage()}`);
      const value = inline ?? argv[++index];
      if (value === undefined) throw new Error(`${flag} needs a value`);
      given[name] = { value, source: flag };
    }
  }
  const options = { quick, help: given.help === true };
  for (const [name, setting] of Object.entries(SETTINGS)) {
    const raw = given[name] ?? (env[setting.variable] === undefined ? undefined : { value: env[setting.variable], source: setting.variable });
    if (raw === undefined) {
      options[name] = quick ? setting.quick : setting.standard;
      continue;
    }
    const value = Number(raw.value);
    if (!Number.isFinite(value) || value < setting.min || (setting.integer && !Number.isInteger(value))) {
      throw new Error(`${raw.source}=${raw.value} is not valid: expected ${setting.integer ? 'an integer' : 'a number'} of at least ${setting.min}`);
    }
    options[name] = value;
  }
  for (const [name, setting] of Object.entries(LISTS)) {
    const raw = given[name] ?? (env[setting.variable] === undefined ? undefined : { value: env[setting.variable], source: setting.variable });
    const values = raw === undefined ? (setting.single ? [setting.standard] : setting.known) : raw.value.split(',').map((value) => value.trim()).filter(Boolean);
    const unknown = values.filter((value) => !setting.known.includes(value));
    if (unknown.length > 0 || values.length === 0 || (setting.single && values.length !== 1)) {
      throw new Error(`${raw.source}=${raw.value} is not valid: expected ${setting.single ? 'one' : 'a comma list'} of ${setting.known.join(', ')}`);
    }
    // Keep the benchmark's own order, whatever order they were given in.
    options[name] = setting.single ? values[0] : setting.known.filter((value) => values.includes(value));
  }
  for (const [name, setting] of Object.entries(TEXTS)) options[name] = given[name]?.value ?? env[setting.variable];
  return options;
}
