import { describe, expect, it } from 'vitest';
import { mergeOpenApi, type OpenApiDocument } from './openapi.merge';

const own: OpenApiDocument = {
  openapi: '3.0.3',
  info: { title: 'TIKETI API', description: 'public', version: '1.0.0' },
  paths: { '/api/admin/dashboard': { get: {} }, '/health': { get: {} } },
  components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
};

describe('merged OpenAPI document', () => {
  it('keeps public paths of every service and drops internal ones', () => {
    const merged = mergeOpenApi(own, [
      {
        service: 'auth',
        document: {
          paths: {
            '/api/auth/login': { post: {} },
            '/.well-known/jwks.json': { get: {} },
            '/internal/users/1': { get: {} },
          },
          components: { schemas: { User: { type: 'object' } } },
          tags: [{ name: 'auth' }],
        },
      },
      {
        service: 'ticket',
        document: { paths: { '/api/events': { get: {} }, '/internal/ops': { get: {} } } },
      },
    ]);
    expect(Object.keys(merged.paths!)).toEqual([
      '/.well-known/jwks.json',
      '/api/admin/dashboard',
      '/api/auth/login',
      '/api/events',
    ]);
    expect(merged.components!.schemas).toEqual({ User: { type: 'object' } });
    expect(merged.components!.securitySchemes).toHaveProperty('bearerAuth');
    expect(merged.tags).toEqual([{ name: 'auth' }]);
    expect(merged['x-unavailable-services']).toBeUndefined();
    // The gateway's own cached document is left alone.
    expect(Object.keys(own.paths!)).toHaveLength(2);
  });

  it('renames clashing generated components and follows their references', () => {
    const merged = mergeOpenApi(own, [
      {
        service: 'auth',
        document: {
          paths: {
            '/api/auth/me': {
              get: {
                responses: {
                  200: {
                    content: { 'application/json': { schema: { $ref: '#/components/schemas/def-0' } } },
                  },
                },
              },
            },
          },
          components: { schemas: { 'def-0': { type: 'object', title: 'User' } } },
        },
      },
      {
        service: 'ticket',
        document: {
          paths: {
            '/api/events/{id}': {
              get: {
                responses: {
                  200: {
                    content: { 'application/json': { schema: { $ref: '#/components/schemas/def-0' } } },
                  },
                },
              },
            },
          },
          components: { schemas: { 'def-0': { type: 'object', title: 'Event' } } },
        },
      },
    ]);
    expect(merged.components!.schemas).toEqual({
      'def-0': { type: 'object', title: 'User' },
      'ticket-def-0': { type: 'object', title: 'Event' },
    });
    expect(JSON.stringify(merged.paths!['/api/events/{id}'])).toContain('#/components/schemas/ticket-def-0');
    expect(JSON.stringify(merged.paths!['/api/auth/me'])).toContain('#/components/schemas/def-0"');
  });

  it('names a service that could not be reached instead of failing', () => {
    const merged = mergeOpenApi(own, [
      { service: 'auth', document: { paths: { '/api/auth/login': { post: {} } } } },
      { service: 'stats', document: null },
    ]);
    expect(merged.paths).toHaveProperty('/api/auth/login');
    expect(merged['x-unavailable-services']).toEqual(['stats']);
    expect(String(merged.info!.description)).toContain('stats');
  });
});
