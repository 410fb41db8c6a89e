/**
 * The request mix the live test drives at each stack fixture app (test/fixtures/stack): per cycle of
 * ten, four N+1 page loads, one of them also slow (a slow query that makes the request slow) and one
 * failing with a 500, cache lookups that miss first and hit afterwards, a plain page, a slow query, a 404.
 */
export function requestPath(step: number): string {
  const cycle = Math.floor(step / 10);
  const user = 1 + (cycle % 20);
  switch (step % 10) {
    case 0:
    case 4:
    case 9:
      return `/users/${user}/meetings`;
    case 1:
    case 7:
      return `/settings/${user}`;
    case 2:
      return `/meetings/${1 + (cycle % 50)}`;
    case 3:
      return `/users/${user}/meetings?slow=1`;
    case 5:
      return '/report';
    case 6:
      return `/users/${user}/meetings?fail=1`;
    default: // 8
      return `/no-such-page/${cycle}`;
  }
}

export interface LoadResult {
  /** Responses received, whatever their status. */
  responses: number;
  byStatus: Record<number, number>;
  /** Requests that got no response at all. */
  errors: string[];
}

/** Sends the request mix with a fixed number of concurrent workers until `durationMs` has passed. */
export async function driveLoad(baseUrl: string, options: { durationMs: number; workers: number }): Promise<LoadResult> {
  const result: LoadResult = { responses: 0, byStatus: {}, errors: [] };
  const deadline = Date.now() + options.durationMs;
  let step = 0;
  const worker = async (): Promise<void> => {
    while (Date.now() < deadline) {
      const pathname = requestPath(step++);
      try {
        const response = await fetch(`${baseUrl}${pathname}`);
        await response.arrayBuffer();
        result.responses++;
        result.byStatus[response.status] = (result.byStatus[response.status] ?? 0) + 1;
      } catch (error) {
        result.errors.push(`${pathname}: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.workers }, worker));
  return result;
}
