// Answers the client with an upstream's status and body as they are (spec: portal, "upstream 4xx passed through").
import type { FastifyReply, FastifyRequest } from 'fastify';
import { JSON_TYPE } from '../media-type.js';
import { callerOf } from '../session/authenticate-caller.js';
import type {
  UpstreamBody,
  UpstreamMethod,
  UpstreamRequest,
  UpstreamResponse,
  UpstreamStream,
} from './upstream-client.js';

export function sendUpstream(reply: FastifyReply, upstream: UpstreamResponse): FastifyReply {
  reply.code(upstream.status);
  if (upstream.retryAfter !== undefined) reply.header('retry-after', upstream.retryAfter);
  if (upstream.status === 204) return reply.send();
  // A string with a content type is sent untouched: no parse and re-serialize of the upstream body.
  return reply.type(upstream.contentType ?? JSON_TYPE).send(upstream.body);
}

/** Answers with a streamed upstream answer as it is: status, type, file name, body read as the client takes it. */
export function sendUpstreamStream(reply: FastifyReply, upstream: UpstreamStream): FastifyReply {
  reply.code(upstream.status);
  if (upstream.retryAfter !== undefined) reply.header('retry-after', upstream.retryAfter);
  if (upstream.contentDisposition !== undefined) reply.header('content-disposition', upstream.contentDisposition);
  return reply.type(upstream.contentType ?? JSON_TYPE).send(upstream.body);
}

/** Parses an upstream JSON body the portal reshapes (only successful answers of known shape). */
export function upstreamJson<T>(upstream: UpstreamResponse): T {
  return JSON.parse(upstream.body) as T;
}

/** Answers the client with one item of an upstream batch (a check-in) as the upstream answered it. */
export function sendItemAnswer(
  reply: FastifyReply,
  answer: { status: number; body: unknown; retry_after?: number | undefined },
): FastifyReply {
  // An item over its user's rate limit: the Retry-After a single request would have carried.
  if (answer.retry_after !== undefined) reply.header('retry-after', String(answer.retry_after));
  return reply.code(answer.status).send(answer.body);
}

/**
 * The whole handler of a route forwarded as it is: the request goes upstream as the verified caller,
 * and the client gets the upstream's answer. Each route still declares its own schema (validation,
 * /openapi.json).
 */
export type Relay = (
  request: FastifyRequest,
  reply: FastifyReply,
  method: UpstreamMethod,
  path: string,
  body?: UpstreamBody & Pick<UpstreamRequest, 'timeoutMs'>,
) => Promise<FastifyReply>;

export function relayTo(client: { forward(request: UpstreamRequest): Promise<UpstreamResponse> }): Relay {
  return async (request, reply, method, path, body) =>
    sendUpstream(reply, await client.forward({ method, path, caller: callerOf(request), ...body }));
}
