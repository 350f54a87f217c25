import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261129000000_create_tenants } from './Migration20261129000000_create_tenants.js';
import { Migration20261129000100_identity_and_access } from './Migration20261129000100_identity_and_access.js';
import { Migration20261129000200_signing_keys } from './Migration20261129000200_signing_keys.js';
import { Migration20261129000300_oauth_clients } from './Migration20261129000300_oauth_clients.js';
import { Migration20261129000400_oauth_grants } from './Migration20261129000400_oauth_grants.js';
import { Migration20261129000500_audit_events } from './Migration20261129000500_audit_events.js';
import { Migration20261129000600_audit_queries } from './Migration20261129000600_audit_queries.js';
import { Migration20261129000700_rate_limits } from './Migration20261129000700_rate_limits.js';
import { Migration20261129000800_rate_limit_take } from './Migration20261129000800_rate_limit_take.js';
import { Migration20261129000900_client_changes_and_partial_token_indexes } from './Migration20261129000900_client_changes_and_partial_token_indexes.js';
import { Migration20261129001000_refresh_token_fillfactor } from './Migration20261129001000_refresh_token_fillfactor.js';
import { Migration20261129001100_rate_limit_admitted } from './Migration20261129001100_rate_limit_admitted.js';
import { Migration20261129001200_refresh_token_fillfactor_half } from './Migration20261129001200_refresh_token_fillfactor_half.js';
import { Migration20261129001300_hash_columns_collate_c } from './Migration20261129001300_hash_columns_collate_c.js';
import { Migration20261129001400_audit_occurred_at_brin } from './Migration20261129001400_audit_occurred_at_brin.js';
import { Migration20261129001500_refresh_family_heads } from './Migration20261129001500_refresh_family_heads.js';
import { Migration20261129001600_client_list_columns_check } from './Migration20261129001600_client_list_columns_check.js';

/**
 * Every migration, oldest first. A new migration file must be added here; a test fails when a
 * file in this folder is missing from the list or the list is out of order.
 */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261129000000_create_tenants', class: Migration20261129000000_create_tenants },
  { name: 'Migration20261129000100_identity_and_access', class: Migration20261129000100_identity_and_access },
  { name: 'Migration20261129000200_signing_keys', class: Migration20261129000200_signing_keys },
  { name: 'Migration20261129000300_oauth_clients', class: Migration20261129000300_oauth_clients },
  { name: 'Migration20261129000400_oauth_grants', class: Migration20261129000400_oauth_grants },
  { name: 'Migration20261129000500_audit_events', class: Migration20261129000500_audit_events },
  { name: 'Migration20261129000600_audit_queries', class: Migration20261129000600_audit_queries },
  { name: 'Migration20261129000700_rate_limits', class: Migration20261129000700_rate_limits },
  { name: 'Migration20261129000800_rate_limit_take', class: Migration20261129000800_rate_limit_take },
  { name: 'Migration20261129000900_client_changes_and_partial_token_indexes', class: Migration20261129000900_client_changes_and_partial_token_indexes },
  { name: 'Migration20261129001000_refresh_token_fillfactor', class: Migration20261129001000_refresh_token_fillfactor },
  { name: 'Migration20261129001100_rate_limit_admitted', class: Migration20261129001100_rate_limit_admitted },
  { name: 'Migration20261129001200_refresh_token_fillfactor_half', class: Migration20261129001200_refresh_token_fillfactor_half },
  { name: 'Migration20261129001300_hash_columns_collate_c', class: Migration20261129001300_hash_columns_collate_c },
  { name: 'Migration20261129001400_audit_occurred_at_brin', class: Migration20261129001400_audit_occurred_at_brin },
  { name: 'Migration20261129001500_refresh_family_heads', class: Migration20261129001500_refresh_family_heads },
  { name: 'Migration20261129001600_client_list_columns_check', class: Migration20261129001600_client_list_columns_check },
];
