import { mkdir, readFile, rm, writeFile, rename } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { AppError } from '../errors/app-error';
import type { ObjectStore } from './object-store';

export interface DiskObjectStoreOptions {
  /** Directory the objects live under (e.g. `${DATA_DIR}/files`). */
  root: string;
  /** Base URL the objects are served from (e.g. `${PUBLIC_API_URL}/api/files`). */
  publicBaseUrl: string;
}

const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

/** Rejects keys that could escape the root (`..`, absolute paths, odd characters). */
export function assertSafeKey(key: string): void {
  if (!KEY_PATTERN.test(key) || key.split('/').some((part) => part === '..' || part === '.')) {
    throw AppError.invalid('INVALID_OBJECT_KEY', 'Invalid object key');
  }
}

/**
 * Objects as files under a root directory; the content type is kept in a sidecar file so a
 * served object never relies on its name. Writes go to a temp file first, then rename.
 */
export function createDiskObjectStore(options: DiskObjectStoreOptions): ObjectStore {
  const root = resolve(options.root);
  const base = options.publicBaseUrl.replace(/\/+$/, '');
  const pathOf = (key: string) => {
    assertSafeKey(key);
    const path = resolve(join(root, key));
    if (!path.startsWith(root + sep)) throw AppError.invalid('INVALID_OBJECT_KEY', 'Invalid object key');
    return path;
  };
  return {
    kind: 'disk',
    async put(key, body, contentType) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(tmp, body);
      await writeFile(`${path}.type`, contentType);
      await rename(tmp, path);
    },
    async get(key) {
      const path = pathOf(key);
      try {
        const [body, contentType] = await Promise.all([readFile(path), readFile(`${path}.type`, 'utf8')]);
        return { body, contentType };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    async delete(key) {
      const path = pathOf(key);
      await rm(path, { force: true });
      await rm(`${path}.type`, { force: true });
    },
    publicUrl(key) {
      assertSafeKey(key);
      return `${base}/${key}`;
    },
  };
}
