/** `text` cut to at most `maxLength` characters, ending with `…` when it was cut. */
export function truncate(text: string, maxLength: number): string {
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}
