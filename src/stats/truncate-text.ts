import { truncate } from '../truncate.js';

/** Longest query or suggestion text kept, so a huge generated statement cannot grow the store. */
export const MAX_TEXT_LENGTH = 2000;

export function truncateText(text: string): string {
  return truncate(text, MAX_TEXT_LENGTH);
}
