import { Migration } from '@mikro-orm/migrations';

/**
 * Identity and access (SPEC §3): users, password credentials, sessions, and the role catalogue
 * with its assignments. The catalogue rows are the values of this release, written out literally:
 * a later change to libs/access/src/permission-catalogue.ts needs a migration of its own (a test
 * compares the tables with the catalogue).
 */
export class Migration20261129000100_identity_and_access extends Migration {
  override up(): void {
    this.addSql(`create table "permissions" ("key" varchar(64) not null, "description" varchar(200) not null, primary key ("key"));`);
    this.addSql(`create table "roles" ("key" varchar(64) not null, "scope" varchar(16) not null, "description" varchar(200) not null, primary key ("key"));`);
    this.addSql(`create table "role_permissions" ("role_key" varchar(64) not null, "permission_key" varchar(64) not null, primary key ("role_key", "permission_key"));`);
    this.addSql(`create table "users" ("id" uuid not null, "tenant_id" uuid not null, "email" varchar(320) not null, "email_verified" boolean not null default false, "name" varchar(200) null, "given_name" varchar(200) null, "family_name" varchar(200) null, "nickname" varchar(200) null, "picture" varchar(2048) null, "locale" varchar(35) null, "zoneinfo" varchar(64) null, "status" varchar(16) not null default 'active', "failed_login_count" int not null default 0, "locked_until" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "users_tenant_id_name_prefix_index" on "users" ("tenant_id", lower("name") text_pattern_ops);`);
    this.addSql(`create index "users_tenant_id_email_prefix_index" on "users" ("tenant_id", "email" varchar_pattern_ops);`);
    this.addSql(`create index "users_tenant_id_id_index" on "users" ("tenant_id", "id");`);
    this.addSql(`alter table "users" add constraint "users_tenant_id_email_unique" unique ("tenant_id", "email");`);
    this.addSql(`create table "sessions" ("id" uuid not null, "tenant_id" uuid not null, "user_id" uuid not null, "plane" varchar(8) not null, "token_hash" varchar(64) not null, "created_at" timestamptz not null, "last_seen_at" timestamptz not null, "expires_at" timestamptz not null, "ip" varchar(64) null, "user_agent" varchar(512) null, primary key ("id"));`);
    this.addSql(`alter table "sessions" add constraint "sessions_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "sessions_expires_at_index" on "sessions" ("expires_at");`);
    this.addSql(`create index "sessions_tenant_id_index" on "sessions" ("tenant_id");`);
    this.addSql(`create index "sessions_user_id_index" on "sessions" ("user_id");`);
    this.addSql(`create table "role_assignments" ("id" uuid not null, "role_key" varchar(64) not null, "tenant_id" uuid null, "user_id" uuid null, "client_id" uuid null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "role_assignments_role_key_index" on "role_assignments" ("role_key");`);
    this.addSql(`create unique index "role_assignments_one_owner_per_tenant" on "role_assignments" ("tenant_id") where "role_key" = 'tenant_owner';`);
    this.addSql(`alter table "role_assignments" add constraint "role_assignments_client_id_role_key_unique" unique ("client_id", "role_key");`);
    this.addSql(`alter table "role_assignments" add constraint "role_assignments_user_id_role_key_unique" unique ("user_id", "role_key");`);
    this.addSql(`create table "password_credentials" ("id" uuid not null, "user_id" uuid not null, "hash" varchar(255) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "password_credentials" add constraint "password_credentials_user_id_unique" unique ("user_id");`);
    this.addSql(`alter table "roles" add constraint "roles_scope_check" check (scope in ('platform', 'tenant'));`);
    this.addSql(`alter table "role_permissions" add constraint "role_permissions_role_key_foreign" foreign key ("role_key") references "roles" ("key") on update no action on delete cascade;`);
    this.addSql(`alter table "role_permissions" add constraint "role_permissions_permission_key_foreign" foreign key ("permission_key") references "permissions" ("key") on update no action on delete cascade;`);
    this.addSql(`alter table "users" add constraint "users_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update no action on delete no action;`);
    this.addSql(`alter table "users" add constraint "users_failed_login_count_check" check (failed_login_count >= 0);`);
    this.addSql(`alter table "users" add constraint "users_status_check" check (status in ('active', 'disabled'));`);
    this.addSql(`alter table "sessions" add constraint "sessions_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update no action on delete no action;`);
    this.addSql(`alter table "sessions" add constraint "sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on update no action on delete cascade;`);
    this.addSql(`alter table "sessions" add constraint "sessions_plane_check" check (plane in ('admin', 'auth'));`);
    this.addSql(`alter table "role_assignments" add constraint "role_assignments_role_key_foreign" foreign key ("role_key") references "roles" ("key") on update no action on delete no action;`);
    this.addSql(`alter table "role_assignments" add constraint "role_assignments_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update no action on delete no action;`);
    this.addSql(`alter table "role_assignments" add constraint "role_assignments_user_id_foreign" foreign key ("user_id") references "users" ("id") on update no action on delete cascade;`);
    this.addSql(`alter table "role_assignments" add constraint "role_assignments_scope_check" check ((tenant_id is null) = (role_key = 'platform_admin'));`);
    this.addSql(`alter table "role_assignments" add constraint "role_assignments_subject_check" check ((user_id is null) <> (client_id is null));`);
    this.addSql(`alter table "password_credentials" add constraint "password_credentials_user_id_foreign" foreign key ("user_id") references "users" ("id") on update no action on delete cascade;`);

    this.addSql(`insert into "permissions" ("key", "description") values
        ('admin.login', 'Sign in to the admin plane'),
        ('self.manage', 'Read and change one’s own profile and password'),
        ('platform.tenants.manage', 'Create, list, read, suspend and delete tenants'),
        ('tenant.read', 'Read the tenant'),
        ('tenant.settings.manage', 'Change the tenant’s settings'),
        ('tenant.delete', 'Delete the tenant'),
        ('tenant.ownership.transfer', 'Transfer the tenant’s ownership'),
        ('tenant.users.read', 'Read the tenant’s users, their roles and sessions'),
        ('tenant.users.manage', 'Create, change and delete the tenant’s users, their roles, passwords and sessions'),
        ('tenant.clients.manage', 'Manage the tenant’s OAuth clients'),
        ('tenant.keys.manage', 'Manage the tenant’s signing keys'),
        ('tenant.audit.read', 'Read the tenant’s audit events');`);
    this.addSql(`insert into "roles" ("key", "scope", "description") values
        ('platform_admin', 'platform', 'Administers tenants (not the data inside them)'),
        ('tenant_owner', 'tenant', 'Owns the tenant: everything a tenant admin does, plus settings, deletion and ownership transfer'),
        ('tenant_admin', 'tenant', 'Administers the tenant’s users, roles, clients and keys, never the owner'),
        ('tenant_member', 'tenant', 'An ordinary user of the tenant’s applications; no admin-plane access');`);
    this.addSql(`insert into "role_permissions" ("role_key", "permission_key") values
        ('platform_admin', 'admin.login'),
        ('platform_admin', 'self.manage'),
        ('platform_admin', 'platform.tenants.manage'),
        ('tenant_owner', 'admin.login'),
        ('tenant_owner', 'self.manage'),
        ('tenant_owner', 'tenant.read'),
        ('tenant_owner', 'tenant.users.read'),
        ('tenant_owner', 'tenant.users.manage'),
        ('tenant_owner', 'tenant.clients.manage'),
        ('tenant_owner', 'tenant.keys.manage'),
        ('tenant_owner', 'tenant.audit.read'),
        ('tenant_owner', 'tenant.settings.manage'),
        ('tenant_owner', 'tenant.delete'),
        ('tenant_owner', 'tenant.ownership.transfer'),
        ('tenant_admin', 'admin.login'),
        ('tenant_admin', 'self.manage'),
        ('tenant_admin', 'tenant.read'),
        ('tenant_admin', 'tenant.users.read'),
        ('tenant_admin', 'tenant.users.manage'),
        ('tenant_admin', 'tenant.clients.manage'),
        ('tenant_admin', 'tenant.keys.manage'),
        ('tenant_admin', 'tenant.audit.read'),
        ('tenant_member', 'self.manage');`);
  }

  override down(): void {
    this.addSql(`drop table if exists "sessions";`);
    this.addSql(`drop table if exists "password_credentials";`);
    this.addSql(`drop table if exists "role_assignments";`);
    this.addSql(`drop table if exists "users";`);
    this.addSql(`drop table if exists "role_permissions";`);
    this.addSql(`drop table if exists "roles";`);
    this.addSql(`drop table if exists "permissions";`);
  }
}
