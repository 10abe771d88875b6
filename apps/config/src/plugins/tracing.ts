// A SERVER span per API request, named as OpenTelemetry's HTTP conventions say (`<method> <route>`), the
// active span while its handler runs: the root of a config change's trace (or the child of the caller's
// `traceparent`), with validation, the write and each instance's apply beneath it. @fastify/otel would make
// this span, but it brings a second OpenTelemetry release train (core 2, instrumentation 0.2xx) beside ours.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { context, trace, SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_ERROR_TYPE,
  extractTrace,
  tracer,
} from '@halo/telemetry';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's span (API routes only). */
    span: Span | null;
  }
}

/** The API: the page and the OpenAPI document are not worth a trace each. */
const traced = (url: string) => url.startsWith('/v1/');

function carrierOf(request: FastifyRequest): Record<string, string> {
  const carrier: Record<string, string> = {};
  for (const name of ['traceparent', 'tracestate']) {
    const value = request.headers[name];
    if (typeof value === 'string') carrier[name] = value;
  }
  return carrier;
}

async function tracing(app: FastifyInstance) {
  app.decorateRequest('span', null);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (!traced(request.url)) return;
    const route = request.routeOptions.url;
    request.span = tracer.startSpan(
      route ? `${request.method} ${route}` : request.method,
      {
        kind: SpanKind.SERVER,
        attributes: { [ATTR_HTTP_REQUEST_METHOD]: request.method, [ATTR_URL_PATH]: request.url.split('?')[0], ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}) },
      },
      extractTrace(carrierOf(request)),
    );
  });
  // Each route's handler runs with the request's span active, so what it calls becomes its children.
  app.addHook('onRoute', (route: RouteOptions) => {
    const handler = route.handler;
    route.handler = function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      const span = request.span;
      if (!span) return handler.call(this, request, reply);
      return context.with(trace.setSpan(context.active(), span), () => handler.call(this, request, reply));
    } as RouteOptions['handler'];
  });
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const span = request.span;
    if (!span) return;
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
    // As the HTTP conventions say for a server: a 4xx is the client's error, not this span's.
    if (reply.statusCode >= 500) {
      span.setAttribute(ATTR_ERROR_TYPE, String(reply.statusCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  });
  app.addHook('onRequestAbort', async (request: FastifyRequest) => {
    request.span?.setStatus({ code: SpanStatusCode.ERROR, message: 'the client went away' });
    request.span?.end();
  });
}

export default fp(tracing, { name: 'tracing' });
