import { describe, expect, it } from 'vitest';
import type { FastifyError } from 'fastify';
import { AppError } from './app-error';
import { bracketPath, toErrorResponse } from './error-handler';

function schemaError(context: string, validation: Array<Record<string, unknown>>): FastifyError {
  return Object.assign(new Error('validation failed'), {
    code: 'FST_ERR_VALIDATION',
    statusCode: 400,
    validation,
    validationContext: context,
  }) as unknown as FastifyError;
}

describe('error responses', () => {
  it('writes JSON pointers in the bracket form of hand-written errors', () => {
    expect(bracketPath('body', '/layout/sections/0/price')).toBe('body.layout.sections[0].price');
    expect(bracketPath('body', '/layout/sections/1/rows', 'label')).toBe(
      'body.layout.sections[1].rows.label',
    );
    expect(bracketPath('querystring', '', 'limit')).toBe('querystring.limit');
    expect(bracketPath('body', '')).toBe('body');
    expect(bracketPath('body', '/meta/a~1b/x-y')).toBe('body.meta["a/b"]["x-y"]');
  });

  it('gives schema violations details.path (the first offending path) beside details.issues', () => {
    const { status, body } = toErrorResponse(
      schemaError('body', [
        { instancePath: '/layout/sections/0/price', message: 'must be >= 0', params: { limit: 0 } },
        {
          instancePath: '/layout/sections/2',
          message: "must have required property 'name'",
          params: { missingProperty: 'name' },
        },
      ]),
      'req-1',
    );
    expect(status).toBe(400);
    expect(body.error).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'validation failed',
      requestId: 'req-1',
      details: {
        path: 'body.layout.sections[0].price',
        issues: [
          { path: 'body.layout.sections.0.price', message: 'must be >= 0' },
          { path: 'body.layout.sections.2.name', message: "must have required property 'name'" },
        ],
      },
    });
  });

  it('names a missing top-level property in path', () => {
    const { body } = toErrorResponse(
      schemaError('body', [
        {
          instancePath: '',
          message: "must have required property 'email'",
          params: { missingProperty: 'email' },
        },
      ]),
      'req-2',
    );
    expect(body.error.details).toMatchObject({ path: 'body.email', issues: [{ path: 'body.email' }] });
  });

  it('keeps AppError details and hides 5xx internals', () => {
    const invalid = toErrorResponse(AppError.invalid('INVALID_LAYOUT', 'bad', { path: 'body.layout' }), 'r');
    expect(invalid.body.error.details).toEqual({ path: 'body.layout' });
    const crash = toErrorResponse(new Error('password=hunter2'), 'r');
    expect(crash.status).toBe(500);
    expect(JSON.stringify(crash.body)).not.toContain('hunter2');
  });
});
