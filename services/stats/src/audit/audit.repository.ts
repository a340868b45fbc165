import { sql, type Kysely } from 'kysely';

export interface AuditFilter {
  actorId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  from?: Date;
  to?: Date;
  page: number;
  limit: number;
}

export interface AuditItem {
  id: string;
  actorId: string;
  actorEmail: string | null;
  action: string;
  targetType: string;
  targetId: string;
  before: unknown;
  after: unknown;
  source: string;
  occurredAt: string;
}

/** Newest first. */
export async function listAudit(
  db: Kysely<any>,
  f: AuditFilter,
): Promise<{ items: AuditItem[]; total: number }> {
  let base = db.selectFrom('audit_log');
  if (f.actorId) base = base.where('actor_id', '=', f.actorId);
  if (f.action) base = base.where('action', '=', f.action);
  if (f.targetType) base = base.where('target_type', '=', f.targetType);
  if (f.targetId) base = base.where('target_id', '=', f.targetId);
  if (f.from) base = base.where('occurred_at', '>=', f.from);
  if (f.to) base = base.where('occurred_at', '<=', f.to);
  // The page and its total from one statement, so both see the same rows: read apart, a fact
  // committed between the two reads gave a total that counted rows the page did not show.
  const rows = await base
    .selectAll()
    .select(sql<string>`count(*) over ()`.as('total_count'))
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .limit(f.limit)
    .offset((f.page - 1) * f.limit)
    .execute();
  let total = rows.length > 0 ? Number(rows[0]!.total_count) : 0;
  // Past the last page there is no row to carry the total.
  if (rows.length === 0 && f.page > 1) {
    const count = await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
    total = Number(count?.n ?? 0);
  }
  return {
    total,
    items: rows.map((r) => ({
      id: String(r.id),
      actorId: String(r.actor_id),
      actorEmail: r.actor_email == null ? null : String(r.actor_email),
      action: String(r.action),
      targetType: String(r.target_type),
      targetId: String(r.target_id),
      before: r.before ?? null,
      after: r.after ?? null,
      source: String(r.source),
      occurredAt: (r.occurred_at instanceof Date
        ? r.occurred_at
        : new Date(String(r.occurred_at))
      ).toISOString(),
    })),
  };
}
