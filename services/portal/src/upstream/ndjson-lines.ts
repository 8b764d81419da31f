// Reads an upstream NDJSON body (attendance's full list) as lines, a chunk's worth at a time.
//
// Hand-written (a dozen lines) rather than readline or split2: it is pulled by its reader, so the
// upstream is read only as fast as the portal's client takes the answer, and it yields the complete
// lines of each chunk together, so mapping 20,000 records costs a few hundred writes, not 20,000.
import { StringDecoder } from 'node:string_decoder';

/** A record line is well under 2 kB; anything longer is a broken upstream, not a list to hold. */
const MAX_LINE_CHARS = 1024 * 1024;

export async function* ndjsonLines(body: AsyncIterable<Buffer>): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of body) {
    const lines = (pending + decoder.write(chunk)).split('\n');
    pending = lines.pop() ?? '';
    if (pending.length > MAX_LINE_CHARS) throw new Error('upstream NDJSON line too long');
    if (lines.length > 0) yield lines;
  }
  const last = pending + decoder.end();
  if (last !== '') yield [last];
}
