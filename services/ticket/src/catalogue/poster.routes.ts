import multipart from '@fastify/multipart';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { AppError, currentUser, requireAdmin, type ServiceContext } from '@tiketi/platform';
import type { TicketConfig } from '../ticket.config';
import type { Catalogue } from './catalogue.registry';

/** Poster upload (admin, multipart field `poster`) and the files the disk store serves. */
export async function posterRoutes(
  root: FastifyInstance,
  ctx: ServiceContext<TicketConfig>,
  catalogue: Catalogue,
): Promise<void> {
  // Multipart only in this scope: other areas keep plain JSON bodies.
  await root.register(async (scope) => {
    await scope.register(multipart, {
      limits: { fileSize: ctx.config.POSTER_MAX_BYTES, files: 1, fields: 5, parts: 6 },
    });
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();
    app.post(
      '/api/events/:id/poster',
      {
        onRequest: requireAdmin,
        schema: {
          tags: ['events'],
          security: [{ bearerAuth: [] }],
          summary: 'Upload a poster (multipart field `poster`: JPEG, PNG or WebP)',
          consumes: ['multipart/form-data'],
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          response: { 200: Type.Object({ posterUrl: Type.String(), posterThumbUrl: Type.String() }) },
        },
      },
      async (request) => {
        if (!request.isMultipart())
          throw new AppError(
            'unsupported',
            'UNSUPPORTED_MEDIA_TYPE',
            'Send the poster as multipart/form-data',
          );
        let bytes: Buffer | null = null;
        for await (const part of request.parts()) {
          if (part.type === 'file') {
            if (part.fieldname !== 'poster') {
              await part.toBuffer();
              continue;
            }
            bytes = await part.toBuffer();
          }
        }
        if (!bytes || bytes.length === 0)
          throw AppError.invalid('POSTER_REQUIRED', 'Attach the image as the multipart field "poster"');
        return catalogue.posters.upload(currentUser(request), request.params.id, bytes);
      },
    );
  });

  root.get(
    '/api/files/*',
    {
      schema: {
        tags: ['files'],
        summary: 'Files stored on disk (posters)',
        params: Type.Object({ '*': Type.String() }),
      },
    },
    async (request, reply) => {
      const key = (request.params as { '*': string })['*'];
      const object = await catalogue.store.get(key).catch((err) => {
        if (err instanceof AppError) throw AppError.notFound('FILE_NOT_FOUND', 'File not found');
        throw err;
      });
      if (!object) throw AppError.notFound('FILE_NOT_FOUND', 'File not found');
      return reply
        .header('content-type', object.contentType)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'")
        .send(object.body);
    },
  );
}
