import { Migration } from '@mikro-orm/migrations';

/**
 * The global index on `audit_events.occurred_at` serves only the retention purge (every read is
 * by tenant, on `(tenant_id, occurred_at, id)`). Events are appended in time order, so a BRIN
 * index (one summary per range of pages) finds the expired ones as well, and appending an event
 * no longer writes into a sixth B-tree: the event is the largest part of a token grant's cost.
 */
export class Migration20261129001400_audit_occurred_at_brin extends Migration {
  override up(): void {
    this.addSql(`drop index "audit_events_occurred_at_index";`);
    this.addSql(`create index "audit_events_occurred_at_index" on "audit_events" using brin ("occurred_at");`);
  }

  override down(): void {
    this.addSql(`drop index "audit_events_occurred_at_index";`);
    this.addSql(`create index "audit_events_occurred_at_index" on "audit_events" ("occurred_at");`);
  }
}
