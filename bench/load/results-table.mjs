// The load benchmark's printout: a table per route, start-up and idle memory per mode, and the issue's
// goals read against the measurements. Tables are Markdown, so that the README can show them as printed.
import { MODES } from './modes.mjs';
import { median, spread } from './statistics.mjs';

const labelOf = (name) => MODES.find((mode) => mode.name === name)?.label ?? name;

function markdownTable(header, rows) {
  const widths = header.map((cell, index) => Math.max(cell.length, ...rows.map((row) => row[index].length)));
  const line = (cells) => `| ${cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[index]) : cell.padStart(widths[index]))).join(' | ')} |`;
  return [line(header), `|${widths.map((width, index) => (index === 0 ? ':' : '') + '-'.repeat(width + 1) + (index === 0 ? '' : ':')).join('|')}|`, ...rows.map(line)].join('\n');
}

const fixed = (value, digits) => (value === undefined ? '—' : value.toFixed(digits));
/** "median (min–max)", the range only when there is more than one value. */
function withRange(summary, digits, unit = '') {
  if (summary === undefined) return '—';
  const main = `${summary.median.toFixed(digits)}${unit}`;
  return summary.min === summary.max ? main : `${main} (${summary.min.toFixed(digits)}–${summary.max.toFixed(digits)})`;
}

/** The per-round ratios of `field` between `mode` and `baseline` on `route`: rounds pair runs made close in time. */
function ratios(runs, route, mode, baseline, field) {
  const byRound = (name) => new Map(runs.filter((run) => run.route === route && run.mode === name).map((run) => [run.round, run[field]]));
  const ours = byRound(mode);
  const theirs = byRound(baseline);
  return spread([...ours].filter(([round]) => theirs.has(round)).map(([round, value]) => value / theirs.get(round)));
}

/** Per route and mode: the summaries the table and the goals read. */
export function summarize(results) {
  const summaries = {};
  for (const route of results.settings.routes) {
    summaries[route] = {};
    for (const mode of results.settings.modes) {
      const runs = results.runs.filter((run) => run.route === route && run.mode === mode);
      const exported = results.spans?.[mode]?.[route];
      summaries[route][mode] = {
        requestsPerSecond: spread(runs.map((run) => run.requestsPerSecond)),
        p50Ms: median(runs.map((run) => run.p50Ms)),
        p99Ms: median(runs.map((run) => run.p99Ms)),
        cpuMsPerRequest: spread(runs.map((run) => run.cpuMsPerRequest)),
        troughMiB: Math.min(...runs.map((run) => run.troughMiB)),
        peakMiB: Math.max(...runs.map((run) => run.peakMiB)),
        spansPerRequest: exported === undefined || exported.requests === 0 ? undefined : exported.spans / exported.requests,
        exportedBytesPerRequest: exported === undefined || exported.requests === 0 ? undefined : exported.bytes / exported.requests,
        versus: Object.fromEntries(
          ['plain', 'bare']
            .filter((baseline) => baseline !== mode && results.settings.modes.includes(baseline))
            .map((baseline) => [
              baseline,
              {
                requestsPerSecond: ratios(results.runs, route, mode, baseline, 'requestsPerSecond'),
                cpuMsPerRequest: ratios(results.runs, route, mode, baseline, 'cpuMsPerRequest'),
              },
            ]),
        ),
      };
    }
  }
  return summaries;
}

export function routeTables(results, summaries) {
  const parts = [];
  for (const route of results.settings.routes) {
    const rows = results.settings.modes.map((mode) => {
      const summary = summaries[route][mode];
      const versus = (baseline, field) => withRange(summary.versus[baseline]?.[field], 2);
      return [
        labelOf(mode),
        withRange(summary.requestsPerSecond, 0),
        fixed(summary.p50Ms, 2),
        fixed(summary.p99Ms, 2),
        withRange(summary.cpuMsPerRequest, 3),
        `${summary.troughMiB.toFixed(0)}–${summary.peakMiB.toFixed(0)}`,
        summary.spansPerRequest === undefined ? (mode === 'bare' ? '0' : '—') : summary.spansPerRequest.toFixed(2),
        summary.exportedBytesPerRequest === undefined ? (mode === 'bare' ? '0' : '—') : summary.exportedBytesPerRequest.toFixed(0),
        mode === 'plain' ? '1' : versus('plain', 'requestsPerSecond'),
        mode === 'plain' ? '1' : versus('plain', 'cpuMsPerRequest'),
        mode === 'bare' ? '1' : versus('bare', 'requestsPerSecond'),
        mode === 'bare' ? '1' : versus('bare', 'cpuMsPerRequest'),
      ];
    });
    parts.push(
      `GET ${route}\n` +
        markdownTable(
          ['mode', 'requests/s', 'p50 ms', 'p99 ms', 'CPU ms/request', 'RSS MiB', 'spans/request', 'bytes exported/request', 'req/s ÷ plain', 'CPU ÷ plain', 'req/s ÷ bare', 'CPU ÷ bare'],
          rows,
        ),
    );
  }
  return parts.join('\n\n');
}

export function startupTable(results) {
  const rows = results.settings.modes.map((mode) => {
    const startup = spread(results.startupSeconds[mode] ?? []);
    const idle = results.idleRssMiB[mode];
    const plainIdle = results.idleRssMiB.plain;
    const plainStartup = median(results.startupSeconds.plain ?? []);
    return [
      labelOf(mode),
      withRange(startup, 3, ' s'),
      startup === undefined || plainStartup === undefined || mode === 'plain' ? '—' : `${(startup.median - plainStartup) >= 0 ? '+' : ''}${(startup.median - plainStartup).toFixed(3)} s`,
      fixed(idle, 1),
      idle === undefined || plainIdle === undefined || mode === 'plain' ? '—' : `${idle - plainIdle >= 0 ? '+' : ''}${(idle - plainIdle).toFixed(1)}`,
    ];
  });
  return markdownTable(['mode', 'start-up (empty script)', 'vs plain', 'idle RSS MiB', 'vs plain MiB'], rows);
}

/** Span names as rows, exporting modes as columns: spans of that name per request sent to the mode. */
export function spanNamesTable(results) {
  const modes = results.settings.modes.filter((mode) => results.spanNames?.[mode] !== undefined);
  const requestsOf = (mode) => Object.values(results.spans[mode]).reduce((sum, { requests }) => sum + requests, 0);
  const names = [...new Set(modes.flatMap((mode) => Object.keys(results.spanNames[mode])))].sort();
  const rows = names.map((name) => [name, ...modes.map((mode) => fixed((results.spanNames[mode][name] ?? 0) / requestsOf(mode), 2))]);
  return markdownTable(['span name', ...modes.map(labelOf)], rows);
}

/** The goals of issue 11, each with the measurement it is judged by. */
export function goalLines(results, summaries) {
  const { modes, routes } = results.settings;
  const has = (...names) => names.every((name) => modes.includes(name));
  const lines = [];
  const verdict = (ok) => (ok ? 'met' : 'MISSED');
  const worst = (pick, better) =>
    routes
      .map((route) => ({ route, value: pick(route) }))
      .filter(({ value }) => value !== undefined)
      .reduce((found, next) => (found === undefined || better(found.value, next.value) ? next : found), undefined);
  for (const mode of ['spanlens', 'spanlens-10']) {
    if (!has(mode, 'plain')) continue;
    const found = worst((route) => summaries[route][mode].peakMiB - summaries[route].plain.peakMiB, (a, b) => b > a);
    if (found) lines.push(`peak RSS under load ≤ plain + 25 MiB (${labelOf(mode)}): worst ${found.value >= 0 ? '+' : ''}${found.value.toFixed(1)} MiB on ${found.route} → ${verdict(found.value <= 25)}`);
  }
  if (has('spanlens', 'plain')) {
    const idle = results.idleRssMiB.spanlens - results.idleRssMiB.plain;
    if (Number.isFinite(idle)) lines.push(`idle RSS ≤ plain + 15 MiB: ${idle >= 0 ? '+' : ''}${idle.toFixed(1)} MiB → ${verdict(idle <= 15)}`);
    const throughput = worst((route) => summaries[route].spanlens.versus.plain?.requestsPerSecond?.median, (a, b) => b < a);
    if (throughput) lines.push(`throughput ≥ 0.97 × plain on every route: lowest ${throughput.value.toFixed(2)} on ${throughput.route} → ${verdict(throughput.value >= 0.97)}`);
    const cpu = worst((route) => summaries[route].spanlens.versus.plain?.cpuMsPerRequest?.median, (a, b) => b > a);
    if (cpu) lines.push(`CPU/request ≤ 1.03 × plain on every route: highest ${cpu.value.toFixed(2)} on ${cpu.route} → ${verdict(cpu.value <= 1.03)}`);
    const startup = median(results.startupSeconds.spanlens ?? []) - median(results.startupSeconds.plain ?? []);
    if (Number.isFinite(startup)) lines.push(`start-up ≤ plain + 0.15 s: ${startup >= 0 ? '+' : ''}${startup.toFixed(3)} s → ${verdict(startup <= 0.15)}`);
  }
  if (has('spanlens-10', 'plain')) {
    const cpu = worst((route) => summaries[route]['spanlens-10'].versus.plain?.cpuMsPerRequest?.median, (a, b) => b > a);
    if (cpu) lines.push(`10 % sampling + SPANLENS_RECORD_ALL, CPU/request ≤ 0.85 × plain exporting everything: highest ${cpu.value.toFixed(2)} on ${cpu.route} → ${verdict(cpu.value <= 0.85)}`);
  }
  return lines;
}
