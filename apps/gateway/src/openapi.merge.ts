export type OpenApiDocument = Record<string, unknown> & {
  paths?: Record<string, unknown>;
  components?: Record<string, Record<string, unknown> | undefined>;
  tags?: Array<{ name: string; description?: string }>;
  info?: Record<string, unknown>;
};

export interface ServiceDocument {
  service: string;
  document: OpenApiDocument | null;
}

/** Public paths only: what a client can reach through the gateway. */
export function isPublicPath(path: string): boolean {
  return path.startsWith('/api/') || path.startsWith('/.well-known/');
}

/**
 * One document for the whole public API: the gateway's own routes plus each service's public
 * paths and components. A service whose document could not be fetched is named in
 * `x-unavailable-services` (and the description) instead of breaking the rest.
 */
export function mergeOpenApi(own: OpenApiDocument, services: ServiceDocument[]): OpenApiDocument {
  const paths: Record<string, unknown> = {};
  for (const [path, item] of Object.entries(own.paths ?? {})) if (isPublicPath(path)) paths[path] = item;
  const components: Record<string, Record<string, unknown>> = {};
  mergeComponents(components, own.components);
  const tags = new Map<string, { name: string; description?: string }>();
  for (const tag of own.tags ?? []) tags.set(tag.name, tag);
  const unavailable: string[] = [];

  for (const { service, document } of services) {
    if (!document) {
      unavailable.push(service);
      continue;
    }
    const renamed = withoutComponentClashes(components, document, service);
    for (const [path, item] of Object.entries(renamed.paths ?? {})) {
      if (!isPublicPath(path)) continue;
      // Two services never own one path (the routing table says who does); first come wins.
      paths[path] ??= item;
    }
    mergeComponents(components, renamed.components);
    for (const tag of document.tags ?? []) if (!tags.has(tag.name)) tags.set(tag.name, tag);
  }

  const info = { ...(own.info ?? {}) };
  if (unavailable.length > 0) {
    info.description =
      `${String(info.description ?? '')}\n\nNot shown right now (service unreachable): ${unavailable.join(', ')}.`.trim();
  }
  const merged: OpenApiDocument = {
    ...own,
    info,
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components,
  };
  if (tags.size > 0) merged.tags = [...tags.values()];
  if (unavailable.length > 0) merged['x-unavailable-services'] = unavailable;
  return merged;
}

function mergeComponents(
  target: Record<string, Record<string, unknown>>,
  source: OpenApiDocument['components'],
): void {
  for (const [section, entries] of Object.entries(source ?? {})) {
    if (!entries) continue;
    const into = (target[section] ??= {});
    for (const [name, value] of Object.entries(entries)) into[name] ??= value;
  }
}

/**
 * Generated component names (`def-0`) repeat across services with different content: such a
 * component is renamed `<service>-<name>` and every $ref to it in that service's document follows.
 */
function withoutComponentClashes(
  existing: Record<string, Record<string, unknown>>,
  document: OpenApiDocument,
  service: string,
): OpenApiDocument {
  const renames = new Map<string, string>();
  for (const [section, entries] of Object.entries(document.components ?? {})) {
    for (const [name, value] of Object.entries(entries ?? {})) {
      const current = existing[section]?.[name];
      if (current !== undefined && JSON.stringify(current) !== JSON.stringify(value)) {
        renames.set(`#/components/${section}/${name}`, `#/components/${section}/${service}-${name}`);
      }
    }
  }
  if (renames.size === 0) return document;
  const rewritten = rewriteRefs(document, renames) as OpenApiDocument;
  for (const [from, to] of renames) {
    const [, , section, name] = from.split('/');
    const entries = rewritten.components?.[section!];
    if (!entries) continue;
    entries[to.split('/')[3]!] = entries[name!];
    delete entries[name!];
  }
  return rewritten;
}

function rewriteRefs(value: unknown, renames: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, renames));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] =
      key === '$ref' && typeof inner === 'string' && renames.has(inner)
        ? renames.get(inner)
        : rewriteRefs(inner, renames);
  }
  return out;
}
