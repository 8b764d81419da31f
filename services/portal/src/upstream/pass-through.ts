// Answers the client with an upstream's status and body as they are (spec: portal, "upstream 4xx passed through").
import type { FastifyReply } from 'fastify';
import { JSON_TYPE } from './caller.js';
import type { UpstreamResponse } from './upstream-client.js';

export function sendUpstream(reply: FastifyReply, upstream: UpstreamResponse): FastifyReply {
  reply.code(upstream.status);
  if (upstream.retryAfter !== undefined) reply.header('retry-after', upstream.retryAfter);
  if (upstream.status === 204) return reply.send();
  // A string with a content type is sent untouched: no parse and re-serialize of the upstream body.
  return reply.type(upstream.contentType ?? JSON_TYPE).send(upstream.body);
}

/** Parses an upstream JSON body the portal reshapes (only successful answers of known shape). */
export function upstreamJson<T>(upstream: UpstreamResponse): T {
  return JSON.parse(upstream.body) as T;
}

/** Answers the client with one item of an upstream batch (a check-in) as the upstream answered it. */
export function sendItemAnswer(reply: FastifyReply, answer: { status: number; body: unknown }): FastifyReply {
  return reply.code(answer.status).send(answer.body);
}
