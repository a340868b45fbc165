import { fileTypeFromBuffer } from 'file-type';
import { AppError, newId, type AuthUser, type ObjectStore, type ServiceContext } from '@tiketi/platform';
import type { TicketConfig } from '../ticket.config';
import type { CatalogueCache } from './catalogue.cache';
import { recordAudit } from './catalogue.events';
import { findEvent, updateEvent } from './event.repository';

const ALLOWED = new Set(['image/jpeg', 'image/png', 'image/webp']);
/** Bounded decode: a tiny file that claims to be 100k x 100k pixels must not take the server down. */
export const POSTER_MAX_PIXELS = 40_000_000;
const DISPLAY = { width: 800, height: 1200 };
const THUMB = { width: 300, height: 420 };

/**
 * Posters: the type is decided by the file's bytes (never its name or declared type), the image is
 * decoded within a pixel budget and re-encoded, so what we store and serve is always a clean WebP
 * we produced. Originals are not kept.
 */
export class PosterService {
  constructor(
    private readonly ctx: ServiceContext<TicketConfig>,
    private readonly store: ObjectStore,
    private readonly cache: CatalogueCache,
  ) {}

  async upload(
    actor: AuthUser,
    eventId: string,
    bytes: Buffer,
  ): Promise<{ posterUrl: string; posterThumbUrl: string }> {
    const event = await findEvent(this.ctx.db, eventId);
    if (!event) throw AppError.notFound('EVENT_NOT_FOUND', 'Event not found');
    const type = await fileTypeFromBuffer(bytes);
    if (!type || !ALLOWED.has(type.mime)) {
      throw new AppError(
        'unsupported',
        'UNSUPPORTED_MEDIA_TYPE',
        'Posters must be JPEG, PNG or WebP images',
        {
          details: { detected: type?.mime ?? 'unknown', allowed: [...ALLOWED] },
        },
      );
    }
    let display: Buffer;
    let thumb: Buffer;
    // Loaded on the first upload: libvips costs ~30 MB of memory a service that never receives a poster should not pay.
    const { default: sharp } = await import('sharp');
    try {
      const meta = await sharp(bytes, { limitInputPixels: POSTER_MAX_PIXELS }).metadata();
      if (!meta.width || !meta.height) throw new Error('no dimensions');
      const base = () => sharp(bytes, { limitInputPixels: POSTER_MAX_PIXELS }).rotate();
      [display, thumb] = await Promise.all([
        base()
          .resize({ ...DISPLAY, fit: 'inside', withoutEnlargement: true })
          .webp({ quality: 82 })
          .toBuffer(),
        base()
          .resize({ ...THUMB, fit: 'cover' })
          .webp({ quality: 75 })
          .toBuffer(),
      ]);
    } catch (err) {
      if (/pixel limit/i.test(String((err as Error).message))) {
        throw new AppError(
          'too_large',
          'POSTER_TOO_LARGE',
          `Posters may have at most ${POSTER_MAX_PIXELS} pixels`,
          { details: { maxPixels: POSTER_MAX_PIXELS } },
        );
      }
      throw AppError.unprocessable('INVALID_IMAGE', 'The image could not be decoded');
    }
    const stem = `posters/${eventId}/${newId('img')}`;
    const keys = { display: `${stem}.webp`, thumb: `${stem}-thumb.webp` };
    await this.store.put(keys.display, display, 'image/webp');
    await this.store.put(keys.thumb, thumb, 'image/webp');
    const urls = {
      posterUrl: this.store.publicUrl(keys.display),
      posterThumbUrl: this.store.publicUrl(keys.thumb),
    };
    try {
      await this.ctx.db.transaction().execute(async (trx) => {
        if (
          !(await updateEvent(trx, eventId, {
            poster_url: urls.posterUrl,
            poster_thumb_url: urls.posterThumbUrl,
          }))
        ) {
          throw AppError.notFound('EVENT_NOT_FOUND', 'Event not found');
        }
        await recordAudit(trx, actor, 'event.poster', 'event', eventId, {
          before: { posterUrl: event.poster_url },
          after: { posterUrl: urls.posterUrl },
        });
      });
    } catch (err) {
      await Promise.all([this.store.delete(keys.display), this.store.delete(keys.thumb)]).catch(
        () => undefined,
      );
      throw err;
    }
    this.ctx.relay?.poke();
    await this.cache.invalidate(eventId);
    await this.removeOld([event.poster_url, event.poster_thumb_url]);
    return urls;
  }

  /** Whether this platform's store serves `url` (it is under the store's public base). */
  servesUrl(url: string | null): url is string {
    return url?.startsWith(this.publicBase()) ?? false;
  }

  private publicBase(): string {
    return this.store.publicUrl('x').slice(0, -1);
  }

  /** Old renditions are ours only when their URL is under this store's public base. */
  private async removeOld(urls: Array<string | null>): Promise<void> {
    const base = this.publicBase();
    for (const url of urls) {
      if (!this.servesUrl(url)) continue;
      await this.store
        .delete(url.slice(base.length))
        .catch((err) => this.ctx.log.warn({ err, url }, 'old poster not removed'));
    }
  }
}
