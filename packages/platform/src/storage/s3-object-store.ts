import type { S3Client } from '@aws-sdk/client-s3';
import { assertSafeKey } from './disk-object-store';
import type { ObjectStore } from './object-store';

export interface S3ObjectStoreOptions {
  bucket: string;
  region: string;
  /** S3-compatible endpoint (MinIO, LocalStack); path-style addressing is used with it. */
  endpoint?: string;
  /** Public base URL (bucket website or CDN); defaults to the bucket's own URL. */
  publicUrl?: string;
  /** Credentials come from the default AWS chain unless given (tests, MinIO). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Objects in an S3 bucket; objects are immutable (keys carry a unique id), so they cache forever. */
export function createS3ObjectStore(options: S3ObjectStoreOptions): ObjectStore {
  // The SDK is loaded on first use: evaluating it costs about 20 MB of every process's memory,
  // and only a service configured for S3 ever needs it.
  let ready: Promise<{ client: S3Client; sdk: typeof import('@aws-sdk/client-s3') }> | null = null;
  const s3 = () =>
    (ready ??= import('@aws-sdk/client-s3').then((sdk) => ({
      sdk,
      client: new sdk.S3Client({
        region: options.region,
        ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
      }),
    })));
  const base = (
    options.publicUrl ??
    (options.endpoint
      ? `${options.endpoint.replace(/\/+$/, '')}/${options.bucket}`
      : `https://${options.bucket}.s3.${options.region}.amazonaws.com`)
  ).replace(/\/+$/, '');
  return {
    kind: 's3',
    async put(key, body, contentType) {
      assertSafeKey(key);
      const { client, sdk } = await s3();
      await client.send(
        new sdk.PutObjectCommand({
          Bucket: options.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          CacheControl: 'public, max-age=31536000, immutable',
        }),
      );
    },
    async get(key) {
      assertSafeKey(key);
      const { client, sdk } = await s3();
      try {
        const out = await client.send(new sdk.GetObjectCommand({ Bucket: options.bucket, Key: key }));
        if (!out.Body) return null;
        const bytes = await out.Body.transformToByteArray();
        return { body: Buffer.from(bytes), contentType: out.ContentType ?? 'application/octet-stream' };
      } catch (err) {
        if (err instanceof sdk.NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return null;
        throw err;
      }
    },
    async delete(key) {
      assertSafeKey(key);
      const { client, sdk } = await s3();
      await client.send(new sdk.DeleteObjectCommand({ Bucket: options.bucket, Key: key }));
    },
    publicUrl(key) {
      assertSafeKey(key);
      return `${base}/${key}`;
    },
  };
}
