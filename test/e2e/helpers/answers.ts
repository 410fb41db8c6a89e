/** What the app answered to one request, minus the headers that depend on the time (`date`). */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const TIME_DEPENDENT_HEADERS = new Set(['date']);

export async function answerOf(response: Response): Promise<Answer> {
  const headers: Record<string, string> = {};
  for (const [name, value] of [...response.headers.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (!TIME_DEPENDENT_HEADERS.has(name)) headers[name] = value;
  }
  return { status: response.status, headers, body: await response.text() };
}

/**
 * Every distinct answer the app gave, by request path. An app whose answers do not depend on spanlens
 * or on the fault gives exactly one answer per path, the same in every run.
 */
export class Answers {
  private readonly byPath = new Map<string, Map<string, number>>();
  requests = 0;

  record(path: string, answer: Answer): void {
    this.requests += 1;
    const answers = this.byPath.get(path) ?? new Map<string, number>();
    const key = JSON.stringify(answer);
    answers.set(key, (answers.get(key) ?? 0) + 1);
    this.byPath.set(path, answers);
  }

  /** Path → the distinct answers given to it (parsed back), in a stable order for `toEqual`. */
  distinct(): Record<string, Answer[]> {
    const result: Record<string, Answer[]> = {};
    for (const path of [...this.byPath.keys()].sort()) {
      result[path] = [...this.byPath.get(path)!.keys()].sort().map((key) => JSON.parse(key) as Answer);
    }
    return result;
  }

  /** How often each status was answered. */
  statuses(): Record<number, number> {
    const result: Record<number, number> = {};
    for (const answers of this.byPath.values()) {
      for (const [key, count] of answers) {
        const { status } = JSON.parse(key) as Answer;
        result[status] = (result[status] ?? 0) + count;
      }
    }
    return result;
  }
}
