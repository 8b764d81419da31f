// 405 with an Allow header for a known path asked with a method it does not have (compat: the original, FastAPI, does so).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';

/**
 * Fastify answers a known path with the wrong method as not found, and has no 405 of its own. Every
 * route's method and pattern is also put into a router of our own (find-my-way, the one Fastify
 * routes with, with the same options), which the not-found handler asks only when a request found
 * no route: cheap on every path, since a routed request never gets here.
 */
export class AllowedMethods {
  private readonly router = FindMyWay({ maxParamLength: 2048 });
  private readonly methods = new Set<string>();

  /** Registers the onRoute hook: before any route is added (routes added earlier are unknown to it). */
  collect(app: FastifyInstance): void {
    app.addHook('onRoute', (route) => {
      // A catch-all route (@fastify/cors's `OPTIONS *`, which answers only preflights from listed
      // origins) makes no path known: without this every unknown path would be a 405.
      if (route.url === '*') return;
      for (const method of [route.method].flat()) {
        this.methods.add(method);
        this.router.on(method as HTTPMethod, route.url, () => undefined);
      }
    });
  }

  /** The methods some route answers for this URL (query string ignored), sorted; empty for an unknown path. */
  allowedFor(url: string): string[] {
    return [...this.methods].filter((method) => this.router.find(method as HTTPMethod, url) !== null).sort();
  }
}

/**
 * The not-found answer: 405 {"detail": "Method Not Allowed"} with Allow when the path is known under
 * other methods; else the 404 {"detail": "Not Found"}. A route that calls callNotFound itself (a
 * missing static file) has the request's method among the allowed ones and stays a 404.
 */
export function answerNotFound(allowed: AllowedMethods, page?: NotFoundPage) {
  return (request: FastifyRequest, reply: FastifyReply) => {
    const methods = allowed.allowedFor(request.url);
    if (methods.length > 0 && !methods.includes(request.method)) {
      return reply.code(405).header('allow', methods.join(', ')).send({ detail: 'Method Not Allowed' });
    }
    const answered = page?.(request, reply);
    if (answered) return answered;
    return reply.code(404).send({ detail: 'Not Found' });
  };
}

/**
 * A service's own answer to an unknown path (the portal: its web UI's not-found page for a browser
 * asking for a page), or undefined for the JSON 404. Not asked for a 405.
 */
export type NotFoundPage = (request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined;
