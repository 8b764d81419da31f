// The ticket import's CSV upload, as attendance takes it and the portal forwards it: the media
// types, a raw-text body parser with the import's own size limit, and a validator that lets the
// text through while JSON bodies are still checked by the route's zod schema.
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import type { ZodType } from 'zod';

/** The CSV media types of a ticket upload. */
export const CSV_TYPES = ['text/csv', 'application/csv'];

/**
 * Makes the routes of the calling plugin (only those: a CSV body anywhere else stays a 415)
 * receive a CSV upload as its text, up to `bodyLimit` bytes.
 */
export function acceptCsvUploads(app: FastifyInstance, bodyLimit: number): void {
  app.addContentTypeParser(CSV_TYPES, { parseAs: 'string', bodyLimit }, (_request, body, done) => done(null, body));
}

/** A route's validator compiler: a CSV upload reaches the handler as its text; JSON bodies are checked by the schema. */
export function jsonBodyOrCsv<S>(route: Parameters<FastifySchemaCompiler<S>>[0]): ReturnType<FastifySchemaCompiler<S>> {
  // The route's schema is a zod schema; Fastify's generic only knows the route's schema object.
  const validate = validatorCompiler(route as unknown as Parameters<FastifySchemaCompiler<ZodType>>[0]);
  return (data) => (route.httpPart === 'body' && typeof data === 'string' ? { value: data } : validate(data));
}
