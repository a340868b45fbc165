import { sql, type Kysely } from 'kysely';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/**
 * How a statement's plan reads `relation`: the name of each index it goes through, 'seq scan' for
 * a whole-table read. For the tests that hold a statement to its plan (the planner, not the
 * result, is what they check).
 */
export async function waysInto(
  db: Kysely<any>,
  statement: Parameters<typeof sql>[1],
  relation: string,
): Promise<string[]> {
  const { rows } = await sql<{ 'QUERY PLAN': unknown }>`explain (format json) ${statement}`.execute(db);
  const raw = rows[0]!['QUERY PLAN'];
  const [top] = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan: PlanNode }>;
  const ways: string[] = [];
  const visit = (node: PlanNode): void => {
    if (node['Relation Name'] === relation) {
      if (node['Node Type'] === 'Seq Scan') ways.push('seq scan');
      else if (node['Index Name']) ways.push(node['Index Name']);
      else if (node['Node Type'] === 'Bitmap Heap Scan') {
        for (const child of node.Plans ?? []) if (child['Index Name']) ways.push(child['Index Name']);
      }
    }
    for (const child of node.Plans ?? []) visit(child);
  };
  visit(top!.Plan);
  return ways;
}
