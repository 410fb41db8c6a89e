import { type Answers, answerOf } from './answers';

export interface LoadOptions {
  /** The path of the i-th request. */
  pathOf(i: number): string;
  /** Requests in flight at once. */
  concurrency: number;
  /** Stop starting requests after this long, or after `requests`, whichever comes first. */
  durationMs?: number;
  requests?: number;
}

/**
 * A bounded request loop on loopback: `concurrency` workers send requests one after the other and record
 * every answer. Resolves with the number of requests sent; a request that fails to get any answer
 * (connection refused or reset) rejects.
 */
export async function runLoad(baseUrl: string, answers: Answers, options: LoadOptions): Promise<number> {
  const deadline = Date.now() + (options.durationMs ?? Number.POSITIVE_INFINITY);
  const limit = options.requests ?? Number.POSITIVE_INFINITY;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (Date.now() < deadline && next < limit) {
      const path = options.pathOf(next++);
      answers.record(path, await answerOf(await fetch(baseUrl + path)));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return next;
}
