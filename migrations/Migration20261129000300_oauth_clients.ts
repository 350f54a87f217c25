import { Migration } from '@mikro-orm/migrations';

/** OAuth clients (SPEC §6.2) and the foreign key from service-account role assignments to them. */
export class Migration20261129000300_oauth_clients extends Migration {
  override up(): void {
    this.addSql(`create table "oauth_clients" ("id" uuid not null, "tenant_id" uuid not null, "name" varchar(200) not null, "type" varchar(16) not null, "token_endpoint_auth_method" varchar(32) not null, "secret_hash" varchar(64) null, "secret_rotated_at" timestamptz null, "redirect_uris" jsonb not null, "post_logout_redirect_uris" jsonb not null, "grant_types" jsonb not null, "scopes" jsonb not null, "first_party" boolean not null default false, "access_token_ttl_seconds" int not null, "refresh_token_ttl_seconds" int not null, "id_token_signed_response_alg" varchar(8) not null, "status" varchar(16) not null default 'active', "created_at" timestamptz not null, "updated_at" timestamptz not null, "deleted_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "oauth_clients_tenant_id_id_index" on "oauth_clients" ("tenant_id", "id");`);
    this.addSql(`alter table "role_assignments" add constraint "role_assignments_client_id_foreign" foreign key ("client_id") references "oauth_clients" ("id") on update no action on delete cascade;`);
    this.addSql(`alter table "oauth_clients" add constraint "oauth_clients_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update no action on delete no action;`);
    this.addSql(`alter table "oauth_clients" add constraint "oauth_clients_secret_check" check ((type = 'confidential') = (secret_hash is not null));`);
    this.addSql(`alter table "oauth_clients" add constraint "oauth_clients_auth_method_check" check (token_endpoint_auth_method in ('client_secret_basic', 'client_secret_post', 'none'));`);
    this.addSql(`alter table "oauth_clients" add constraint "oauth_clients_status_check" check (status in ('active', 'disabled'));`);
    this.addSql(`alter table "oauth_clients" add constraint "oauth_clients_type_check" check (type in ('confidential', 'public'));`);
  }

  override down(): void {
    this.addSql(`alter table "role_assignments" drop constraint "role_assignments_client_id_foreign";`);
    this.addSql(`drop table if exists "oauth_clients";`);
  }
}
