import { Migration } from '@mikro-orm/migrations';

/**
 * The OAuth grant state (SPEC §5): access and refresh tokens (hashes only), authorization codes,
 * pending interactions and remembered consents. They carry tenant, client and user ids without
 * foreign keys: issuance stays a plain insert, and deleting a user removes its rows explicitly.
 */
export class Migration20261129000400_oauth_grants extends Migration {
  override up(): void {
    this.addSql(`create table "oauth_access_tokens" ("id" uuid not null, "tenant_id" uuid not null, "client_id" uuid not null, "user_id" uuid null, "token_hash" varchar(64) not null, "scope" text not null, "grant_id" uuid null, "session_id" uuid null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "revoked_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "oauth_access_tokens" add constraint "oauth_access_tokens_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "oauth_access_tokens_expires_at_index" on "oauth_access_tokens" ("expires_at");`);
    this.addSql(`create index "oauth_access_tokens_user_id_index" on "oauth_access_tokens" ("user_id");`);
    this.addSql(`create index "oauth_access_tokens_client_id_index" on "oauth_access_tokens" ("client_id");`);
    this.addSql(`create index "oauth_access_tokens_grant_id_index" on "oauth_access_tokens" ("grant_id");`);
    this.addSql(`create table "oauth_authorization_codes" ("id" uuid not null, "tenant_id" uuid not null, "client_id" uuid not null, "user_id" uuid not null, "session_id" uuid null, "code_hash" varchar(64) not null, "redirect_uri" text not null, "scope" text not null, "nonce" text null, "code_challenge" varchar(128) not null, "auth_time" timestamptz not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "consumed_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "oauth_authorization_codes" add constraint "oauth_authorization_codes_code_hash_unique" unique ("code_hash");`);
    this.addSql(`create index "oauth_authorization_codes_expires_at_index" on "oauth_authorization_codes" ("expires_at");`);
    this.addSql(`create table "oauth_consents" ("id" uuid not null, "tenant_id" uuid not null, "user_id" uuid not null, "client_id" uuid not null, "scopes" jsonb not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "oauth_consents_client_id_index" on "oauth_consents" ("client_id");`);
    this.addSql(`alter table "oauth_consents" add constraint "oauth_consents_user_id_client_id_unique" unique ("user_id", "client_id");`);
    this.addSql(`create table "oauth_interactions" ("id" uuid not null, "handle_hash" varchar(64) not null, "tenant_id" uuid not null, "binding_hash" varchar(64) not null, "request" jsonb not null, "user_id" uuid null, "session_id" uuid null, "created_at" timestamptz not null, "expires_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "oauth_interactions" add constraint "oauth_interactions_handle_hash_unique" unique ("handle_hash");`);
    this.addSql(`create index "oauth_interactions_expires_at_index" on "oauth_interactions" ("expires_at");`);
    this.addSql(`create table "oauth_refresh_tokens" ("id" uuid not null, "tenant_id" uuid not null, "client_id" uuid not null, "user_id" uuid not null, "family_id" uuid not null, "token_hash" varchar(64) not null, "scope" text not null, "offline" boolean not null, "session_id" uuid null, "auth_time" timestamptz not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "rotated_at" timestamptz null, "revoked_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "oauth_refresh_tokens" add constraint "oauth_refresh_tokens_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "oauth_refresh_tokens_expires_at_index" on "oauth_refresh_tokens" ("expires_at");`);
    this.addSql(`create index "oauth_refresh_tokens_user_id_index" on "oauth_refresh_tokens" ("user_id");`);
    this.addSql(`create index "oauth_refresh_tokens_client_id_index" on "oauth_refresh_tokens" ("client_id");`);
    this.addSql(`create index "oauth_refresh_tokens_session_id_index" on "oauth_refresh_tokens" ("session_id");`);
    this.addSql(`create index "oauth_refresh_tokens_family_id_index" on "oauth_refresh_tokens" ("family_id");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "oauth_consents";`);
    this.addSql(`drop table if exists "oauth_interactions";`);
    this.addSql(`drop table if exists "oauth_authorization_codes";`);
    this.addSql(`drop table if exists "oauth_refresh_tokens";`);
    this.addSql(`drop table if exists "oauth_access_tokens";`);
  }
}
