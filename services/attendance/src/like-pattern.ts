// Substring searches in SQL: a person's text as a LIKE pattern that matches it literally, anywhere.

/** `text` as a LIKE pattern matching it anywhere: its own %, _ and \ match themselves (\ is LIKE's default escape). */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}
