// The ticket import's CSV upload, as attendance takes it and the portal forwards it: the media
// types, a body parser that hands the route the body as a stream (never a whole-file string), with
// the import's own size limit, and a validator that lets the stream through while JSON bodies are
// still checked by the route's zod schema.
import { Readable, Transform } from 'node:stream';
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import type { ZodType } from 'zod';
import { httpError } from './errors.js';

/** The CSV media types of a ticket upload. */
export const CSV_TYPES = ['text/csv', 'application/csv'];

// Fastify's own 413 text, so a CSV over the limit reads like any other body over it.
const tooLarge = () => httpError(413, 'Request body is too large');

/**
 * The upload as it arrives, cut off with a 413 past `limit` bytes. A failure of the request stream
 * itself (the client went away mid-body) becomes a 400: it is the request's own, no outage. When
 * the reader stops early (a bad line, the row limit), the rest of the body is read and dropped, so
 * the answer can still be sent on the connection (which the onSend hook below then closes).
 */
function limitedBody(request: Readable, limit: number): Readable {
  let received = 0;
  const body = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (received > limit) callback(tooLarge());
      else callback(null, chunk);
    },
  });
  // A 413 of a stage before (the portal's per-request allowance) stays a 413.
  request.on('error', (error: Error & { statusCode?: number }) =>
    body.destroy(error.statusCode === 413 ? error : httpError(400, `Request body failed: ${error.message}`)),
  );
  body.on('close', () => {
    if (request.readableEnded) return;
    request.unpipe(body);
    request.resume();
  });
  return request.pipe(body);
}

/**
 * Makes the routes of the calling plugin (only those: a CSV body anywhere else stays a 415)
 * receive a CSV upload as a stream of its bytes, up to `bodyLimit` bytes (a declared larger
 * Content-Length is refused before reading).
 */
export function acceptCsvUploads(app: FastifyInstance, bodyLimit: number): void {
  app.addContentTypeParser(CSV_TYPES, (request, payload, done) => {
    if (Number(request.headers['content-length'] ?? 0) > bodyLimit) done(tooLarge(), undefined);
    else done(null, limitedBody(payload, bodyLimit));
  });
  // An answer sent before the upload arrived whole (a bad line, the row limit) ends the connection,
  // so the client stops sending the rest instead of it being read and dropped.
  app.addHook('onSend', (request, reply, payload, next) => {
    if (request.body instanceof Readable && !request.raw.complete) reply.header('connection', 'close');
    next(null, payload);
  });
}

/** A route's validator compiler: a CSV upload reaches the handler as its stream; JSON bodies are checked by the schema. */
export function jsonBodyOrCsv<S>(route: Parameters<FastifySchemaCompiler<S>>[0]): ReturnType<FastifySchemaCompiler<S>> {
  // The route's schema is a zod schema; Fastify's generic only knows the route's schema object.
  const validate = validatorCompiler(route as unknown as Parameters<FastifySchemaCompiler<ZodType>>[0]);
  return (data) => (route.httpPart === 'body' && data instanceof Readable ? { value: data } : validate(data));
}
