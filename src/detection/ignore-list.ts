/** Query shapes a user told spanlens never to report as N+1 (`SPANLENS_N_PLUS_ONE_IGNORE`). */
export interface IgnoreList {
  /** Exact fingerprints (or cache shapes such as `keyv.get user:{id}`). */
  readonly fingerprints: ReadonlySet<string>;
  /** `/regex/flags` entries, matched against the normalized query. */
  readonly patterns: readonly RegExp[];
  /** Entries that looked like `/regex/` but did not compile; they ignore nothing. */
  readonly invalid: readonly string[];
}

const REGEX_ENTRY = /^\/(.+)\/([a-z]*)$/s;

/** Reads the entries once; a bad regex is set aside (and listed in `invalid`), never thrown. */
export function compileIgnoreList(entries: readonly string[] = []): IgnoreList {
  const fingerprints = new Set<string>();
  const patterns: RegExp[] = [];
  const invalid: string[] = [];
  for (const raw of entries) {
    if (typeof raw !== 'string') continue;
    const entry = raw.trim();
    if (entry.length === 0) continue;
    const regex = REGEX_ENTRY.exec(entry);
    if (regex === null) {
      fingerprints.add(entry);
      continue;
    }
    try {
      // `g` and `y` would make `test` remember where it stopped between spans.
      patterns.push(new RegExp(regex[1] as string, (regex[2] as string).replace(/[gy]/g, '')));
    } catch {
      invalid.push(entry);
    }
  }
  return { fingerprints, patterns, invalid };
}
