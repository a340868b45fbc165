import { join } from 'node:path';
import { createDiskObjectStore } from './disk-object-store';
import { createS3ObjectStore } from './s3-object-store';
import type { ObjectStore } from './object-store';

export interface ObjectStoreConfig {
  DATA_DIR: string;
  PUBLIC_API_URL: string;
  S3_BUCKET?: string;
  S3_REGION?: string;
  S3_ENDPOINT?: string;
  S3_PUBLIC_URL?: string;
}

/**
 * S3 when a bucket is configured; otherwise files under `${DATA_DIR}/files`, served by the
 * owning service at `/api/files/*` (public through the gateway at PUBLIC_API_URL).
 */
export function createObjectStore(config: ObjectStoreConfig): ObjectStore {
  if (config.S3_BUCKET) {
    return createS3ObjectStore({
      bucket: config.S3_BUCKET,
      region: config.S3_REGION ?? 'ap-northeast-2',
      endpoint: config.S3_ENDPOINT,
      publicUrl: config.S3_PUBLIC_URL,
    });
  }
  return createDiskObjectStore({
    root: join(config.DATA_DIR, 'files'),
    publicBaseUrl: `${config.PUBLIC_API_URL.replace(/\/+$/, '')}/api/files`,
  });
}
