// Turns attendance's NDJSON list (view=portal: each record already in the portal's shape) into the records of a
// JSON array, byte for byte: the head line is read, then every newline becomes a comma and the last one goes.
//
// Hand-written (no NDJSON library does this) because it is what keeps the portal's memory flat with
// many readers of a long list: no record is parsed or re-serialized, the upstream's own buffers are
// passed on (a newline byte never occurs inside UTF-8 text or a JSON string, which escapes it).

const NEWLINE = 0x0a;
const COMMA = 0x2c;
/** The head line is a few dozen bytes; a longer one is a broken upstream, not a list to hold. */
const MAX_HEAD_BYTES = 64 * 1024;

export interface NdjsonRecords {
  /** The parsed first line. */
  head: unknown;
  /** The records comma-separated, as inside a JSON array (empty for an empty list). */
  records: AsyncGenerator<Buffer>;
}

export async function ndjsonRecords(body: AsyncIterable<Buffer>): Promise<NdjsonRecords> {
  const chunks = body[Symbol.asyncIterator]();
  let headBytes = Buffer.alloc(0);
  let rest: Buffer | undefined;
  while (rest === undefined) {
    const next = await chunks.next();
    if (next.done) throw new Error('upstream NDJSON ended before its head line');
    headBytes = Buffer.concat([headBytes, next.value]);
    const end = headBytes.indexOf(NEWLINE);
    if (end >= 0) {
      rest = headBytes.subarray(end + 1);
      headBytes = headBytes.subarray(0, end);
    } else if (headBytes.length > MAX_HEAD_BYTES) {
      throw new Error('upstream NDJSON head line too long');
    }
  }
  const head: unknown = JSON.parse(headBytes.toString('utf8'));
  const first = rest;

  async function* records(): AsyncGenerator<Buffer> {
    // Each chunk's last byte waits for the next chunk: the stream's very last newline is dropped.
    let held: number | undefined;
    const pass = function* (chunk: Buffer): Generator<Buffer> {
      if (chunk.length === 0) return;
      for (let index = chunk.indexOf(NEWLINE); index >= 0; index = chunk.indexOf(NEWLINE, index + 1)) {
        chunk[index] = COMMA;
      }
      if (held !== undefined) yield Buffer.of(held);
      held = chunk[chunk.length - 1];
      if (chunk.length > 1) yield chunk.subarray(0, chunk.length - 1);
    };
    yield* pass(first);
    for (;;) {
      const next = await chunks.next();
      if (next.done) break;
      yield* pass(next.value);
    }
    if (held !== undefined && held !== COMMA) yield Buffer.of(held);
  }
  return { head, records: records() };
}
