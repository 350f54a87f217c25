import { Migration } from '@mikro-orm/migrations';

/** Tenants (SPEC §3): the root of every tenant-scoped row. */
export class Migration20261129000000_create_tenants extends Migration {
  override up(): void {
    this.addSql(`
      create table "tenants" (
        "id" uuid not null,
        "slug" varchar(63) not null,
        "name" varchar(200) not null,
        "status" varchar(16) not null default 'active',
        "created_at" timestamptz not null,
        "updated_at" timestamptz not null,
        "deleted_at" timestamptz null,
        constraint "tenants_pkey" primary key ("id"),
        constraint "tenants_slug_check" check (slug ~ '^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$'),
        constraint "tenants_status_check" check (status in ('active', 'suspended'))
      );`);
    this.addSql(`alter table "tenants" add constraint "tenants_slug_unique" unique ("slug");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "tenants";`);
  }
}
