import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError, type ErrorBody } from './app-error';

const fastifyCodeMap: Record<string, { code: string; message?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'MALFORMED_JSON', message: 'Request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'MALFORMED_JSON', message: 'Request body is empty' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported content type' },
  FST_REQ_FILE_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', message: 'File is too large' },
  FST_ERR_VALIDATION: { code: 'VALIDATION_FAILED' },
  FST_ERR_BAD_URL: {
    code: 'MALFORMED_URL',
    message: 'The address has a percent-escape that is not valid UTF-8',
  },
};

/**
 * `body` + JSON pointer `/layout/sections/0/price` -> `body.layout.sections[0].price`: the form
 * every hand-written validation error uses in `details.path`.
 */
export function bracketPath(context: string, pointer: string, property?: string): string {
  let path = context;
  const segments = pointer ? pointer.split('/').slice(1) : [];
  if (property !== undefined) segments.push(property);
  for (const raw of segments) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) path += `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

function validationDetails(error: FastifyError): Record<string, unknown> | undefined {
  if (!error.validation) return undefined;
  const context = error.validationContext ?? 'body';
  const missing = (issue: (typeof error.validation)[number]) =>
    issue.params && 'missingProperty' in issue.params ? String(issue.params.missingProperty) : undefined;
  const first = error.validation[0];
  return {
    ...(first ? { path: bracketPath(context, first.instancePath || '', missing(first)) } : {}),
    issues: error.validation.map((issue) => ({
      path: `${context}${issue.instancePath || ''}`.replace(/\//g, '.'),
      message: issue.message,
      ...(missing(issue) !== undefined
        ? { path: `${context}${issue.instancePath || ''}.${missing(issue)}`.replace(/\//g, '.') }
        : {}),
    })),
  };
}

/** Maps any thrown error to `{error:{code,message,details,requestId}}`; 5xx bodies carry only an id. */
export function toErrorResponse(
  error: unknown,
  requestId: string,
): { status: number; body: ErrorBody; headers?: Record<string, string> } {
  if (isAppError(error)) {
    if (error.status >= 500) {
      return {
        status: error.status,
        body: { error: { code: error.code, message: error.message, requestId } },
        headers: error.headers,
      };
    }
    return {
      status: error.status,
      body: { error: { code: error.code, message: error.message, details: error.details, requestId } },
      headers: error.headers,
    };
  }
  const fastifyError = error as FastifyError;
  const status = typeof fastifyError?.statusCode === 'number' ? fastifyError.statusCode : 500;
  if (status < 500) {
    const mapped = fastifyError.code ? fastifyCodeMap[fastifyError.code] : undefined;
    const code =
      mapped?.code ??
      (status === 404
        ? 'NOT_FOUND'
        : status === 429
          ? 'RATE_LIMITED'
          : status === 413
            ? 'PAYLOAD_TOO_LARGE'
            : status === 415
              ? 'UNSUPPORTED_MEDIA_TYPE'
              : 'BAD_REQUEST');
    return {
      status,
      body: {
        error: {
          code,
          message: mapped?.message ?? fastifyError.message ?? 'Bad request',
          details: validationDetails(fastifyError),
          requestId,
        },
      },
    };
  }
  return {
    status: status >= 500 && status < 600 ? status : 500,
    body: { error: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side', requestId } },
  };
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body, headers } = toErrorResponse(error, request.id);
    if (status >= 500) request.log.error({ err: error, errorId: request.id }, 'request failed');
    else request.log.info({ code: body.error.code, status }, 'request rejected');
    if (headers) void reply.headers(headers);
    return reply.status(status).send(body);
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = toErrorResponse(
      new AppError(
        'not_found',
        'ROUTE_NOT_FOUND',
        `No route for ${request.method} ${request.url.split('?')[0]}`,
      ),
      request.id,
    );
    return reply.status(status).send(body);
  });
}

/**
 * Fastify answers what it cannot route (a path whose percent-escape is not UTF-8) before any hook
 * or the error handler, in a shape of its own: given to the app's `frameworkErrors`, it gets ours.
 */
export function frameworkErrorResponder(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const { status, body } = toErrorResponse(error, request.id);
  void reply.status(status).send(body);
}
