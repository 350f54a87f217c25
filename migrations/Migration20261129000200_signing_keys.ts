import { Migration } from '@mikro-orm/migrations';

/**
 * Tenants' signing keys (SPEC §5.7): public JWK, private JWK encrypted under the key-encryption
 * key, and the timestamps from which each key's state (next, active, retired) follows. Keys need
 * the key-encryption key, so existing tenants get theirs when the server first starts.
 */
export class Migration20261129000200_signing_keys extends Migration {
  override up(): void {
    this.addSql(`create table "signing_keys" ("id" uuid not null, "tenant_id" uuid not null, "kid" varchar(64) not null, "alg" varchar(8) not null, "public_jwk" jsonb not null, "private_jwk_ciphertext" text not null, "created_at" timestamptz not null, "activates_at" timestamptz not null, "retired_at" timestamptz null, "expires_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "signing_keys_tenant_id_activates_at_index" on "signing_keys" ("tenant_id", "activates_at");`);
    this.addSql(`alter table "signing_keys" add constraint "signing_keys_tenant_id_kid_unique" unique ("tenant_id", "kid");`);
    this.addSql(`alter table "signing_keys" add constraint "signing_keys_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update no action on delete no action;`);
    this.addSql(`alter table "signing_keys" add constraint "signing_keys_alg_check" check (alg in ('RS256', 'ES256'));`);
  }

  override down(): void {
    this.addSql(`drop table if exists "signing_keys";`);
  }
}
