/**
 * A micro-cache at the edge for answers their service marks as the same for every buyer
 * (`cache-control: public, s-maxage=N`): an event's page read by a crowd is answered here for N
 * seconds without the hop to the service. Only what the service opted in is kept, never for an
 * administrator's request (services answer administrators differently), only 200s of known length
 * without cookies, and each gateway replica keeps its own copy: an edit shows after at most N s.
 */

/** The longest a service may ask for: the cache is for crowds, not a CDN. */
export const EDGE_CACHE_MAX_SECONDS = 10;

/** Headers of the service's answer that are replayed from the cache; the edge adds its own. */
const KEPT_HEADERS = [
  'content-type',
  'content-encoding',
  'content-language',
  'cache-control',
  'etag',
  'last-modified',
  'vary',
];

export interface CachedAnswer {
  headers: Record<string, string>;
  body: Buffer;
  storedAt: number;
  expiresAt: number;
}

export interface EdgeCacheOptions {
  maxEntries: number;
  maxBodyBytes: number;
  /** All bodies together. */
  maxBytes: number;
  now?: () => number;
}

type UpstreamHeaders = Record<string, string | string[] | undefined>;

const header = (headers: UpstreamHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

/** Seconds a shared cache may keep this answer, or 0 when it may not. */
export function sharedMaxAge(headers: UpstreamHeaders): number {
  const cacheControl = header(headers, 'cache-control');
  if (!cacheControl) return 0;
  const directives = cacheControl
    .toLowerCase()
    .split(',')
    .map((d) => d.trim());
  if (
    !directives.includes('public') ||
    directives.some((d) => d === 'private' || d === 'no-store' || d === 'no-cache')
  )
    return 0;
  const sMaxAge = directives.find((d) => d.startsWith('s-maxage='));
  const seconds = sMaxAge ? Number(sMaxAge.slice('s-maxage='.length)) : 0;
  return Number.isInteger(seconds) && seconds > 0 ? Math.min(seconds, EDGE_CACHE_MAX_SECONDS) : 0;
}

export class EdgeCache {
  private readonly entries = new Map<string, CachedAnswer>();
  private bytes = 0;
  private readonly now: () => number;

  constructor(private readonly options: EdgeCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  /**
   * The key of a GET: its URL and, because a service may vary its body on it, the encodings the
   * client accepts (answers that vary on anything else are not kept).
   */
  static key(url: string, acceptEncoding: string | undefined): string {
    return `${url}\n${acceptEncoding ?? ''}`;
  }

  get(key: string): CachedAnswer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.remove(key, entry);
      return undefined;
    }
    return entry;
  }

  /** Whether an answer with these status and headers may be kept (its body is read only then). */
  admits(statusCode: number, headers: UpstreamHeaders): boolean {
    if (statusCode !== 200 || headers['set-cookie'] !== undefined) return false;
    const length = Number(header(headers, 'content-length'));
    if (!Number.isInteger(length) || length > this.options.maxBodyBytes) return false;
    const vary = header(headers, 'vary');
    if (vary && vary.split(',').some((v) => v.trim().toLowerCase() !== 'accept-encoding')) return false;
    return sharedMaxAge(headers) > 0;
  }

  put(key: string, headers: UpstreamHeaders, body: Buffer): void {
    const seconds = sharedMaxAge(headers);
    if (seconds === 0 || body.length > this.options.maxBytes) return;
    const kept: Record<string, string> = {};
    for (const name of KEPT_HEADERS) {
      const value = header(headers, name);
      if (value !== undefined) kept[name] = value;
    }
    const previous = this.entries.get(key);
    if (previous) this.remove(key, previous);
    // Oldest first in a Map: past a bound, the entry stored longest ago goes.
    for (const [oldKey, oldest] of this.entries) {
      if (this.entries.size < this.options.maxEntries && this.bytes + body.length <= this.options.maxBytes)
        break;
      this.remove(oldKey, oldest);
    }
    const storedAt = this.now();
    this.entries.set(key, { headers: kept, body, storedAt, expiresAt: storedAt + seconds * 1000 });
    this.bytes += body.length;
  }

  private remove(key: string, entry: CachedAnswer): void {
    this.entries.delete(key);
    this.bytes -= entry.body.length;
  }
}
