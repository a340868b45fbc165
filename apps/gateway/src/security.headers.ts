import helmet, { type HelmetOptions } from 'helmet';

export type SecurityHeaders = Record<string, string>;

/**
 * The headers helmet sets with these options, worked out once at boot. With the content security
 * policy off (the edge sets one per content type), helmet's headers do not depend on the request,
 * so the gateway applies the fixed set to every response instead of running helmet's middleware
 * chain per request: that chain was 15-20 µs of the 80-100 µs an edge-answered hold costs the
 * gateway (`npm run bench -- costs`, bench/RESULTS.md).
 */
export function securityHeaders(options: Readonly<HelmetOptions>): SecurityHeaders {
  const headers: SecurityHeaders = {};
  const response = {
    setHeader(name: string, value: unknown) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader() {
      // helmet removes X-Powered-By, which Fastify never sets.
    },
  };
  let answered = false;
  let failure: unknown;
  helmet(options)({} as never, response as never, (err?: unknown) => {
    answered = true;
    failure = err;
  });
  // A helmet that answered later, or decided per request, would not be a fixed set.
  if (!answered) throw new Error('helmet did not set its headers synchronously');
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  return headers;
}
