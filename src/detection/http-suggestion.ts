/** The hint for one outgoing HTTP call repeated per item: one request for all of them. */
export function suggestHttpBatching(method: string, target: string): string {
  return (
    `Make one request for all items instead of one \`${method} ${target}\` per item: a batch endpoint that ` +
    'takes every id at once (a list parameter, or a POST with the ids), or fetch the collection once and ' +
    'look the items up in memory.'
  );
}
