import type { Logger } from 'pino';
import type { GatewayConfig } from './gateway.config';
import { mergeOpenApi, type OpenApiDocument, type ServiceDocument } from './openapi.merge';
import { upstreamUrlKey, type UpstreamName } from './routing.table';

const SERVICES: UpstreamName[] = ['auth', 'ticket', 'payment', 'stats'];
const FETCH_TIMEOUT_MS = 2_000;

/**
 * The merged OpenAPI document, fetched from the services when asked for and kept for a short
 * while (GATEWAY_DOCS_CACHE_MS). Concurrent requests share one refresh. A cache per process is
 * enough: each replica can build the same document on its own.
 */
export class DocsService {
  private cached: { document: OpenApiDocument; at: number } | null = null;
  private pending: Promise<OpenApiDocument> | null = null;

  constructor(
    private readonly config: GatewayConfig,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async document(own: OpenApiDocument): Promise<OpenApiDocument> {
    if (this.cached && this.now() - this.cached.at < this.config.GATEWAY_DOCS_CACHE_MS)
      return this.cached.document;
    this.pending ??= this.refresh(own).finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async refresh(own: OpenApiDocument): Promise<OpenApiDocument> {
    const services = await Promise.all(SERVICES.map((service) => this.fetchDocument(service)));
    const document = mergeOpenApi(own, services);
    // A partial document is cached too, but only briefly, so a service coming back shows up soon.
    const complete = services.every((s) => s.document !== null);
    this.cached = {
      document,
      at: complete ? this.now() : this.now() - this.config.GATEWAY_DOCS_CACHE_MS + 1_000,
    };
    return document;
  }

  private async fetchDocument(service: UpstreamName): Promise<ServiceDocument> {
    const base = this.config[upstreamUrlKey[service]].replace(/\/$/, '');
    try {
      const response = await fetch(`${base}/api-docs/json`, {
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`status ${response.status}`);
      return { service, document: (await response.json()) as OpenApiDocument };
    } catch (err) {
      this.log.warn({ err, service }, 'could not fetch a service API document');
      return { service, document: null };
    }
  }
}
