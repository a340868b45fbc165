import { constants, crc32, deflateRaw, deflateRawSync } from 'node:zlib';
import { promisify } from 'node:util';

const deflateRawAsync = promisify(deflateRaw);

/** Seats per independently compressed piece: a change recompresses ~100 KB, not the whole map. */
export const SEATS_PER_CHUNK = 512;
const DEFLATE = { level: 6, finishFlush: constants.Z_SYNC_FLUSH };
/** gzip member header: deflate, no name, no mtime (the body depends only on the data), unknown OS. */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);
/** An empty final fixed-Huffman block: closes a stream of sync-flushed pieces. */
const DEFLATE_END = Buffer.from([0x03, 0x00]);
const SUFFIX = Buffer.from(']}');
const SUFFIX_DEFLATED = deflateRawSync(SUFFIX, DEFLATE);

/** One run of seats' JSON ("," included before all but the first), shared by every version it did not change in. */
class Chunk {
  readonly crc: number;
  private deflated: Promise<Buffer> | null = null;
  constructor(readonly raw: Buffer) {
    this.crc = crc32(raw);
  }
  /**
   * Raw deflate ending in a sync flush (byte aligned, not final): pieces compressed on their own
   * concatenate into one valid deflate stream, as pigz does. Compressed off the event loop, once.
   */
  deflate(): Promise<Buffer> {
    return (this.deflated ??= deflateRawAsync(this.raw, DEFLATE));
  }
}

export type SeatMapEncoding = 'gzip' | 'identity';

/** One version of one event's seat map, serialised: immutable once built. */
export class SeatMapBody {
  private identityBody: Buffer | null = null;
  private gzipBody: Promise<Buffer> | null = null;

  constructor(
    /** Strong validator of the identity representation (gzip adds a suffix: it is another representation). */
    readonly etag: string,
    private readonly prefix: Buffer,
    private readonly chunks: readonly Chunk[],
  ) {}

  etagFor(encoding: SeatMapEncoding): string {
    return encoding === 'identity' ? this.etag : `${this.etag.slice(0, -1)}.gz"`;
  }

  /** True when an If-None-Match header names this version in any encoding (RFC 9110 weak comparison). */
  matches(ifNoneMatch: string | undefined): boolean {
    if (!ifNoneMatch) return false;
    const candidates = [this.etag, this.etagFor('gzip')];
    return ifNoneMatch.split(',').some((raw) => {
      const tag = raw.trim().replace(/^W\//, '');
      return tag === '*' || candidates.includes(tag);
    });
  }

  identity(): Buffer {
    return (this.identityBody ??= Buffer.concat([this.prefix, ...this.chunks.map((c) => c.raw), SUFFIX]));
  }

  /** The gzip member for this version: unchanged pieces reuse their compressed bytes. */
  gzip(): Promise<Buffer> {
    return (this.gzipBody ??= this.buildGzip());
  }

  private async buildGzip(): Promise<Buffer> {
    const pieces = await Promise.all(this.chunks.map((c) => c.deflate()));
    let crc = crc32(this.prefix);
    let size = this.prefix.length + SUFFIX.length;
    for (const chunk of this.chunks) {
      crc = crc32(chunk.raw, crc);
      size += chunk.raw.length;
    }
    crc = crc32(SUFFIX, crc);
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc >>> 0, 0);
    trailer.writeUInt32LE(size % 2 ** 32, 4);
    return Buffer.concat([
      GZIP_HEADER,
      deflateRawSync(this.prefix, DEFLATE),
      ...pieces,
      SUFFIX_DEFLATED,
      DEFLATE_END,
      trailer,
    ]);
  }
}

/**
 * Builds per-version bodies from an event's seat fragments (one JSON object per seat, kept in
 * step with statuses by the cache). Only the pieces whose seats changed since the last version
 * are re-encoded; the rest, and their compressed bytes, are shared between versions.
 */
export class SeatMapBodyBuilder {
  private readonly chunks: Array<Chunk | null>;
  /** The last piece built at each position: reused (with its compressed bytes) when the text comes out equal. */
  private readonly prior: Array<Chunk | undefined>;

  /** `reuse`: the builder of an earlier load of the same map, whose unchanged pieces need no recompression. */
  constructor(
    private readonly fragments: readonly string[],
    reuse?: SeatMapBodyBuilder,
  ) {
    const count = Math.ceil(fragments.length / SEATS_PER_CHUNK);
    this.chunks = new Array<Chunk | null>(count).fill(null);
    this.prior = Array.from({ length: count }, (_, k) => reuse?.chunks[k] ?? reuse?.prior[k]);
  }

  /** The seat at `index` changed: its piece is rebuilt for the next version. */
  changed(index: number): void {
    const k = Math.floor(index / SEATS_PER_CHUNK);
    this.prior[k] = this.chunks[k] ?? this.prior[k];
    this.chunks[k] = null;
  }

  build(eventId: string, layoutVersion: number, version: number): SeatMapBody {
    const chunks = this.chunks.map((chunk, k) => {
      if (chunk) return chunk;
      const from = k * SEATS_PER_CHUNK;
      const text = this.fragments.slice(from, from + SEATS_PER_CHUNK).join(',');
      const raw = Buffer.from(k === 0 ? text : `,${text}`);
      const prior = this.prior[k];
      return (this.chunks[k] = prior?.raw.equals(raw) ? prior : new Chunk(raw));
    });
    const prefix = Buffer.from(`{"eventId":${JSON.stringify(eventId)},"version":${version},"seats":[`);
    // The version names the content while the shared counter lives; the digest keeps the tag
    // honest if the counter is ever lost and restarts (or is a replica-local one while Redis is away).
    let digest = crc32(prefix);
    const crcs = Buffer.alloc(chunks.length * 4);
    chunks.forEach((c, i) => crcs.writeUInt32LE(c.crc >>> 0, i * 4));
    digest = crc32(crcs, digest);
    const etag = `"${eventId}.${layoutVersion}.${version}.${(digest >>> 0).toString(36)}"`;
    return new SeatMapBody(etag, prefix, chunks);
  }
}

/** The body for an empty (seatless) event. */
export function emptySeatMapBody(eventId: string, layoutVersion: number): SeatMapBody {
  return new SeatMapBodyBuilder([]).build(eventId, layoutVersion, 0);
}

/** gzip when the client accepts it (an explicit gzip q-value wins over "*"), otherwise identity. */
export function chooseEncoding(acceptEncoding: string | undefined): SeatMapEncoding {
  if (!acceptEncoding) return 'identity';
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const value = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    q.set(name!.trim(), value ? Number(value.slice(2)) || 0 : 1);
  }
  const gzip = q.get('gzip') ?? q.get('x-gzip') ?? q.get('*') ?? 0;
  return gzip > 0 ? 'gzip' : 'identity';
}
