/** Longest query or suggestion text kept, so a huge generated statement cannot grow the store. */
export const MAX_TEXT_LENGTH = 2000;

export function truncateText(text: string): string {
  return text.length <= MAX_TEXT_LENGTH ? text : `${text.slice(0, MAX_TEXT_LENGTH - 1)}…`;
}
