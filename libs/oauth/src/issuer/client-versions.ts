import { OAuthError } from '../oauth-error.js';

/**
 * The row versions of a client and of its tenant, as they were read: PostgreSQL's `xmin`, the id
 * of the transaction that wrote that version of the row. Every update writes a new version with a
 * new xmin (a disabled client, a rotated secret, a suspended tenant, a changed scope); row locks
 * and VACUUM leave it as it is. A statement that acts on a judgement of the client compares them,
 * so the judgement stands only if it was made on the rows as they still are (SPEC §1), however
 * old the copy it was made on.
 */
export interface ClientVersions {
  readonly client: string;
  readonly tenant: string;
}

/** The client and the versions its judgement was made on, as a guarded statement needs them. */
export interface JudgedClient {
  readonly id: string;
  readonly tenantId: string;
  readonly versions: ClientVersions;
}

/**
 * SQL condition: the client and its tenant are still the row versions named by the four SQL
 * expressions (client id, tenant id, client xmin, tenant xmin). One index probe per table.
 */
export function clientUnchangedSql(clientId: string, tenantId: string, clientVersion: string, tenantVersion: string): string {
  return `exists (select 1 from oauth_clients judged_client join tenants judged_tenant on judged_tenant.id = judged_client.tenant_id
                   where judged_client.id = ${clientId} and judged_client.tenant_id = ${tenantId}
                     and judged_client.xmin = ${clientVersion} and judged_tenant.xmin = ${tenantVersion})`;
}

/** The parameters of `clientUnchangedSql('?::uuid', '?::uuid', '?::xid', '?::xid')`, in order. */
export function clientUnchangedValues(client: JudgedClient): string[] {
  return [client.id, client.tenantId, client.versions.client, client.versions.tenant];
}

/**
 * The client or its tenant changed after the request was judged: nothing was done, and the
 * request is judged again on the rows as they are now (ClientAuthenticator.withClient). Seen
 * again after as many fresh reads, it answers 503: somebody is changing the client that often.
 */
export class ClientChangedError extends OAuthError {
  constructor() {
    super('temporarily_unavailable', 'The client was being changed; try again.');
  }
}
