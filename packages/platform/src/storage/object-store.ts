/** Where uploaded files live: disk under DATA_DIR when embedded, S3 in production. */
export interface ObjectStore {
  readonly kind: 's3' | 'disk';
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  get(key: string): Promise<{ body: Buffer; contentType: string } | null>;
  delete(key: string): Promise<void>;
  /** URL a browser can load the object from. */
  publicUrl(key: string): string;
}
