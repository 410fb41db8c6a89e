/** Runs `action` again and again, `pauseMs` apart, until the returned stop() is awaited. */
export function repeatUntilStopped(pauseMs: number, action: () => Promise<void>): () => Promise<void> {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await action();
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}
