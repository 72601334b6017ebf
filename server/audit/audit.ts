// The append-only audit log (PIPL): every write, and every read of sensitive data, gets a row.
import type { Queryable } from '../db/db';

export interface AuditEntry {
  actor: string;
  action: string;             // e.g. 'incident.assign', 'care_subjects.read', 'auth.login'
  entityType?: string | null;
  entityId?: string | number | null;
  reason?: string | null;
  detail?: unknown;
  ip?: string | null;
}

export async function audit(q: Queryable, e: AuditEntry): Promise<void> {
  await q.query(
    `INSERT INTO audit_log (actor, action, entity_type, entity_id, reason, detail, ip)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)`,
    [e.actor, e.action, e.entityType ?? null, e.entityId == null ? null : String(e.entityId), e.reason ?? null,
     e.detail === undefined ? null : JSON.stringify(e.detail), e.ip ?? null],
  );
}
