import type { CallSiteStatistics, LoopStatistics } from '../stats/statistics.js';
import type { Snapshot, SnapshotNPlusOne } from './snapshot.js';
import type { Colour } from './colour.js';
import { formatCount } from './format.js';

/** Width of a finding's labels (`query:`, `suggestion:`), so that their texts line up. */
const LABEL_WIDTH = 12;

const SUBJECT_LABEL = { db: 'query:', cache: 'operation:', http: 'http call:' } as const;

/**
 * The report's N+1 section: loops first (one fix for several findings), then the findings seen outside
 * loops too, each with where the app issued it. Snapshots saved before loops and call sites existed
 * print as they always did.
 */
export function findingsSection(current: Snapshot, colour: Colour, topRows: number): string {
  const loops = current.loops ?? [];
  const standalone = current.nPlusOne.filter((finding) => (finding.inLoops ?? 0) < finding.occurrences);
  const total = loops.length + standalone.length;
  const title = colour.bold(`N+1 queries${total > topRows ? ` (top ${topRows} of ${total})` : ''}`);
  if (total === 0) return `${title}\nNone found.`;

  const shownLoops = loops.slice(0, topRows);
  const entries = [
    ...shownLoops.map((loop) => loopEntry(loop, colour)),
    ...standalone.slice(0, topRows - shownLoops.length).map((finding) => findingEntry(finding, colour)),
  ];
  const onlyInLoops = current.nPlusOne.length - standalone.length;
  if (onlyInLoops > 0) {
    entries.push(`${formatCount(onlyInLoops)} more ${onlyInLoops === 1 ? 'finding was' : 'findings were'} only seen as statements of the loops above (--json lists them).`);
  }
  return `${title}\n${entries.join('\n\n')}`;
}

function loopEntry(loop: LoopStatistics, colour: Colour): string {
  const statements = loop.statements.length;
  return [
    `${colour.yellow(loop.route)}: a loop runs ${formatCount(statements)} ${statements === 1 ? 'statement' : 'statements'} for each of ` +
      `up to ${formatCount(loop.iterations)} items, in ${formatCount(loop.occurrences)} ${loop.occurrences === 1 ? 'request' : 'requests'}`,
    labelled('call site:', callSiteText(loop.callSite)),
    ...loop.statements.map((statement, i) => labelled(`${i + 1}.`, statement.query)),
    labelled('suggestion:', loop.suggestion),
  ].join('\n');
}

function findingEntry(finding: SnapshotNPlusOne, colour: Colour): string {
  const lines = [
    `${colour.yellow(finding.route)}: ${finding.repeats === null ? '' : `up to ${formatCount(finding.repeats)} repeats in one request, `}` +
      `in ${formatCount(finding.occurrences)} ${finding.occurrences === 1 ? 'request' : 'requests'}`,
    labelled(SUBJECT_LABEL[finding.kind ?? 'db'] ?? SUBJECT_LABEL.db, finding.query),
  ];
  if (finding.callSite !== undefined) lines.push(labelled('call site:', callSiteText(finding.callSite)));
  if (finding.suggestion !== null) lines.push(labelled('suggestion:', finding.suggestion));
  return lines.join('\n');
}

function callSiteText(callSite: CallSiteStatistics | null): string {
  return callSite === null ? 'no app frame visible' : `${callSite.file}:${callSite.line} (${callSite.function})`;
}

function labelled(label: string, text: string): string {
  return `  ${label.padEnd(LABEL_WIDTH)}${text}`;
}
