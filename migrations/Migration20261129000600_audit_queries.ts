import { Migration } from '@mikro-orm/migrations';

/**
 * Declared audit queries (SPEC §7): a platform administrator's time-boxed, reasoned access to one
 * tenant's audit events. Also the `platform.audit.read` permission of platform administrators
 * (platform events, and declaring those queries), mirrored into the catalogue tables.
 */
export class Migration20261129000600_audit_queries extends Migration {

  override up(): void {
    this.addSql(`create table "audit_queries" ("id" uuid not null, "tenant_id" uuid not null, "declared_by" uuid not null, "reason" varchar(500) not null, "window_from" timestamptz not null, "window_to" timestamptz not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "audit_queries_declared_by_index" on "audit_queries" ("declared_by");`);
    this.addSql(`alter table "audit_queries" add constraint "audit_queries_window_check" check (window_from < window_to);`);

    this.addSql(`insert into "permissions" ("key", "description") values ('platform.audit.read', 'Read the platform’s audit events; read a tenant’s only through a declared query');`);
    this.addSql(`insert into "role_permissions" ("role_key", "permission_key") values ('platform_admin', 'platform.audit.read');`);
  }

  override down(): void {
    this.addSql(`delete from "role_permissions" where "permission_key" = 'platform.audit.read';`);
    this.addSql(`delete from "permissions" where "key" = 'platform.audit.read';`);
    this.addSql(`drop table if exists "audit_queries" cascade;`);
  }

}
