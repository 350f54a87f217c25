import { Migration } from '@mikro-orm/migrations';

/**
 * The audit trail (SPEC §7): one table, append-only by triggers (UPDATE and TRUNCATE refused;
 * DELETE only by the retention purge, for rows older than 90 days), indexed for the per-tenant
 * time-ordered query, the actor, target and action filters, and the retention purge. The
 * TRUNCATE trigger is declared here only (see AuditEvent).
 */
export class Migration20261129000500_audit_events extends Migration {

  override up(): void {
    this.addSql(`create table "audit_events" ("id" uuid not null, "occurred_at" timestamptz not null, "tenant_id" uuid null, "actor_type" varchar(16) not null, "actor_id" varchar(64) null, "action" varchar(64) not null, "target_type" varchar(32) null, "target_id" varchar(64) null, "outcome" varchar(8) not null, "ip" varchar(64) null, "user_agent" varchar(512) null, "request_id" varchar(128) null, "metadata" jsonb not null, primary key ("id"));`);
    this.addSql(`create index "audit_events_occurred_at_index" on "audit_events" ("occurred_at");`);
    this.addSql(`create index "audit_events_action_index" on "audit_events" ("action");`);
    this.addSql(`create index "audit_events_target_id_index" on "audit_events" ("target_id");`);
    this.addSql(`create index "audit_events_actor_id_index" on "audit_events" ("actor_id");`);
    this.addSql(`create index "audit_events_tenant_id_occurred_at_index" on "audit_events" ("tenant_id", "occurred_at", "id");`);

    this.addSql(`alter table "audit_events" add constraint "audit_events_actor_type_check" check (actor_type in ('user', 'client', 'system', 'anonymous'));`);
    this.addSql(`alter table "audit_events" add constraint "audit_events_outcome_check" check (outcome in ('success', 'failure'));`);
    this.addSql(`create or replace function "audit_events_audit_events_purge_only_fn"() returns trigger as \$\$ begin if coalesce(current_setting('opentrusty.audit_purge', true), '') <> 'on' or old.occurred_at >= now() - interval '90 days' then
    raise exception 'audit events are deleted only by the retention purge' using errcode = 'insufficient_privilege';   end if;   return old; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "audit_events_purge_only" BEFORE DELETE on "audit_events" for each ROW execute function "audit_events_audit_events_purge_only_fn"();`);
    this.addSql(`create or replace function "audit_events_audit_events_no_truncate_fn"() returns trigger as \$\$ begin raise exception 'audit events are append-only' using errcode = 'insufficient_privilege'; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "audit_events_no_truncate" BEFORE TRUNCATE on "audit_events" for each STATEMENT execute function "audit_events_audit_events_no_truncate_fn"();`);
    this.addSql(`create or replace function "audit_events_audit_events_no_update_fn"() returns trigger as \$\$ begin raise exception 'audit events are append-only' using errcode = 'insufficient_privilege'; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "audit_events_no_update" BEFORE UPDATE on "audit_events" for each ROW execute function "audit_events_audit_events_no_update_fn"();`);
  }

  override down(): void {
    this.addSql(`drop trigger if exists "audit_events_purge_only" on "audit_events";`);
    this.addSql(`drop function if exists "audit_events_audit_events_purge_only_fn"();`);
    this.addSql(`drop trigger if exists "audit_events_no_truncate" on "audit_events";`);
    this.addSql(`drop function if exists "audit_events_audit_events_no_truncate_fn"();`);
    this.addSql(`drop trigger if exists "audit_events_no_update" on "audit_events";`);
    this.addSql(`drop function if exists "audit_events_audit_events_no_update_fn"();`);
    this.addSql(`drop table if exists "audit_events" cascade;`);
  }

}
