import { actorOf, type Principal } from '#access/principal.js';
import { AuditWriter } from '#audit/audit-writer.js';
import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { AssignableTenantRole, RoleKey } from '#access/permission-catalogue.js';
import { RoleAssignmentRepository } from '#access/role-assignment.repository.js';
import { CLIENT_DEFAULTS, defaultAuthMethod, type IdTokenSigningAlg, registrationProblems, type RegistrationProblem } from '#oauth/clients/client-registration.js';
import { hashClientSecret, newClientSecret } from '#oauth/clients/client-secret.js';
import type { ClientStatus, ClientType, GrantType, OAuthClient, TokenEndpointAuthMethod } from '#oauth/clients/oauth-client.entity.js';
import { applySettings, type ClientSettings, newOAuthClient, settingsOf } from '#oauth/clients/oauth-client.factory.js';
import { type ClientFilter, OAuthClientRepository } from '#oauth/clients/oauth-client.repository.js';
import { decodeCursor, type Page, toPage } from '#platform/api/pagination.js';
import { DomainError } from '#platform/errors/domain-error.js';
import { Clock } from '#platform/time/clock.js';
import { TenantRepository } from '#tenancy/tenant.repository.js';
import { TenantNotFoundError } from '../tenants/tenant-administration.service.js';
import { type ClientView, presentClient } from './client.presenter.js';

export class ClientNotFoundError extends DomainError {
  constructor() {
    super('not_found', 'client_not_found', 'No such client in this tenant.');
  }
}

/** The fields are each valid, but not together (named after RFC 7591's error for the same thing). */
export class InvalidClientMetadataError extends DomainError {
  constructor(problems: readonly RegistrationProblem[]) {
    super('invalid_input', 'invalid_client_metadata', 'The client’s fields do not fit together; see `errors`.', {
      errors: problems.map((problem) => ({ location: 'body', path: problem.field, message: problem.message })),
    });
  }
}

interface ClientFields {
  readonly redirect_uris?: readonly string[] | undefined;
  readonly post_logout_redirect_uris?: readonly string[] | undefined;
  readonly grant_types?: readonly GrantType[] | undefined;
  readonly scopes?: readonly string[] | undefined;
  readonly token_endpoint_auth_method?: TokenEndpointAuthMethod | undefined;
  readonly first_party?: boolean | undefined;
  readonly access_token_ttl?: number | undefined;
  readonly refresh_token_ttl?: number | undefined;
  readonly id_token_signed_response_alg?: IdTokenSigningAlg | undefined;
  readonly roles?: readonly AssignableTenantRole[] | undefined;
}

export interface NewClientInput extends ClientFields {
  readonly name: string;
  readonly type: ClientType;
  readonly redirect_uris: readonly string[];
  readonly grant_types: readonly GrantType[];
  readonly scopes: readonly string[];
}

export interface ClientPatch extends ClientFields {
  readonly name?: string | undefined;
  readonly status?: ClientStatus | undefined;
}

export interface CreatedClient {
  readonly client: ClientView;
  /** Confidential clients only; never shown again. */
  readonly client_secret?: string;
}

/**
 * The OAuth clients resource of a tenant (SPEC §6.2), for its owner and admins. Every lookup
 * carries the tenant id of the path, which the guard has matched to the caller. A client's
 * secret is generated here, returned once and stored only as its SHA-256.
 */
@Injectable()
export class ClientAdministrationService {
  constructor(
    private readonly em: EntityManager,
    private readonly tenants: TenantRepository,
    private readonly clients: OAuthClientRepository,
    private readonly roles: RoleAssignmentRepository,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
  ) {}

  async create(principal: Principal, tenantId: string, input: NewClientInput): Promise<CreatedClient> {
    const settings: ClientSettings = {
      name: input.name,
      type: input.type,
      tokenEndpointAuthMethod: input.token_endpoint_auth_method ?? defaultAuthMethod(input.type),
      redirectUris: input.redirect_uris,
      postLogoutRedirectUris: input.post_logout_redirect_uris ?? [],
      grantTypes: input.grant_types,
      scopes: input.scopes,
      firstParty: input.first_party ?? false,
      accessTokenTtlSeconds: input.access_token_ttl ?? CLIENT_DEFAULTS.accessTokenTtlSeconds,
      refreshTokenTtlSeconds: input.refresh_token_ttl ?? CLIENT_DEFAULTS.refreshTokenTtlSeconds,
      idTokenSignedResponseAlg: input.id_token_signed_response_alg ?? CLIENT_DEFAULTS.idTokenSignedResponseAlg,
      status: 'active',
    };
    const roles = [...(input.roles ?? [])].sort();
    assertRegistrable(settings, roles);
    const secret = settings.type === 'confidential' ? newClientSecret() : undefined;
    return this.em.transactional(async () => {
      const tenant = await this.tenants.findById(tenantId);
      if (!tenant) throw new TenantNotFoundError();
      const client = newOAuthClient(tenant, settings, secret === undefined ? null : hashClientSecret(secret), this.clock.now());
      this.clients.add(client);
      await this.em.flush(); // role assignments reference the client row
      for (const role of roles) await this.roles.assignToClient(role, client.id, tenantId);
      await this.audit.record({
        action: 'client.created',
        tenantId,
        actor: actorOf(principal),
        target: { type: 'client', id: client.id },
        metadata: { name: client.name, type: client.type, grant_types: client.grantTypes, scopes: client.scopes, redirect_uris: client.redirectUris, roles },
      });
      return { client: presentClient(client, roles), ...(secret === undefined ? {} : { client_secret: secret }) };
    });
  }

  async list(tenantId: string, filter: ClientFilter, limit: number, cursor: string | undefined): Promise<Page<ClientView>> {
    const rows = await this.clients.list(tenantId, filter, { limit, after: decodeCursor(cursor) });
    const roles = await this.roles.rolesOfClients(tenantId, rows.slice(0, limit).map((client) => client.id));
    return toPage(rows, limit, (client) => presentClient(client, roles.get(client.id) ?? []));
  }

  async get(tenantId: string, clientId: string): Promise<ClientView> {
    const client = await this.require(tenantId, clientId);
    return presentClient(client, await this.roles.rolesOfClient(tenantId, client.id));
  }

  /**
   * Changes what the patch names; the rules apply to the client as it would be afterwards. The
   * type never changes, so a client keeps a secret exactly when it had one. Disabling revokes
   * the client's tokens in the same transaction.
   */
  async update(principal: Principal, tenantId: string, clientId: string, patch: ClientPatch): Promise<ClientView> {
    return this.em.transactional(async () => {
      const client = await this.requireForUpdate(tenantId, clientId);
      const currentRoles = await this.roles.rolesOfClient(tenantId, client.id);
      const settings: ClientSettings = { ...settingsOf(client), ...changedSettings(patch) };
      const wantedRoles: readonly RoleKey[] = patch.roles ?? currentRoles;
      assertRegistrable(settings, wantedRoles);

      const now = this.clock.now();
      const disabling = settings.status === 'disabled' && client.status !== 'disabled';
      applySettings(client, settings);
      client.updatedAt = now;
      await this.em.flush();
      if (disabling) await this.clients.revokeTokensOfClient(tenantId, client.id, now);
      for (const role of currentRoles) if (!wantedRoles.includes(role)) await this.roles.revokeFromClient(role, client.id, tenantId);
      for (const role of new Set(wantedRoles)) if (!currentRoles.includes(role)) await this.roles.assignToClient(role, client.id, tenantId);
      const fields = Object.keys(patch).filter((field) => patch[field as keyof ClientPatch] !== undefined);
      await this.audit.record({ action: 'client.updated', tenantId, actor: actorOf(principal), target: { type: 'client', id: client.id }, metadata: { fields, roles: wantedRoles, disabled: disabling } });
      return presentClient(client, await this.roles.rolesOfClient(tenantId, client.id));
    });
  }

  /**
   * Soft delete: the client disappears from every lookup, and its access and refresh tokens are
   * revoked and its service-account roles removed in the same transaction.
   */
  async delete(principal: Principal, tenantId: string, clientId: string): Promise<void> {
    await this.em.transactional(async () => {
      const client = await this.requireForUpdate(tenantId, clientId);
      const now = this.clock.now();
      client.deletedAt = now;
      client.updatedAt = now;
      await this.em.flush();
      await this.clients.revokeTokensOfClient(tenantId, client.id, now);
      for (const role of await this.roles.rolesOfClient(tenantId, client.id)) await this.roles.revokeFromClient(role, client.id, tenantId);
      await this.audit.record({ action: 'client.deleted', tenantId, actor: actorOf(principal), target: { type: 'client', id: client.id }, metadata: { name: client.name } });
    });
  }

  /** A new secret for a confidential client; the previous one stops working when this commits. */
  async rotateSecret(principal: Principal, tenantId: string, clientId: string): Promise<{ client_id: string; client_secret: string }> {
    const secret = newClientSecret();
    return this.em.transactional(async () => {
      const client = await this.requireForUpdate(tenantId, clientId);
      if (client.type !== 'confidential') throw new DomainError('conflict', 'public_client_has_no_secret', 'A public client has no secret to rotate.');
      const now = this.clock.now();
      client.secretHash = hashClientSecret(secret);
      client.secretRotatedAt = now;
      client.updatedAt = now;
      await this.em.flush();
      await this.audit.record({ action: 'client.secret_rotated', tenantId, actor: actorOf(principal), target: { type: 'client', id: client.id } });
      return { client_id: client.id, client_secret: secret };
    });
  }

  private async require(tenantId: string, clientId: string): Promise<OAuthClient> {
    const client = await this.clients.findById(tenantId, clientId);
    if (!client) throw new ClientNotFoundError();
    return client;
  }

  /** The client, locked for the rest of the transaction: concurrent changes to it wait for this one. */
  private async requireForUpdate(tenantId: string, clientId: string): Promise<OAuthClient> {
    const client = await this.clients.findByIdForUpdate(tenantId, clientId);
    if (!client) throw new ClientNotFoundError();
    return client;
  }
}

function assertRegistrable(settings: ClientSettings, roles: readonly RoleKey[]): void {
  const problems = registrationProblems({ ...settings, roles });
  if (problems.length > 0) throw new InvalidClientMetadataError(problems);
}

/** The settings a patch changes (absent fields stay as they are). */
function changedSettings(patch: ClientPatch): Partial<ClientSettings> {
  const changes: { -readonly [K in keyof ClientSettings]?: ClientSettings[K] } = {};
  if (patch.name !== undefined) changes.name = patch.name;
  if (patch.token_endpoint_auth_method !== undefined) changes.tokenEndpointAuthMethod = patch.token_endpoint_auth_method;
  if (patch.redirect_uris !== undefined) changes.redirectUris = patch.redirect_uris;
  if (patch.post_logout_redirect_uris !== undefined) changes.postLogoutRedirectUris = patch.post_logout_redirect_uris;
  if (patch.grant_types !== undefined) changes.grantTypes = patch.grant_types;
  if (patch.scopes !== undefined) changes.scopes = patch.scopes;
  if (patch.first_party !== undefined) changes.firstParty = patch.first_party;
  if (patch.access_token_ttl !== undefined) changes.accessTokenTtlSeconds = patch.access_token_ttl;
  if (patch.refresh_token_ttl !== undefined) changes.refreshTokenTtlSeconds = patch.refresh_token_ttl;
  if (patch.id_token_signed_response_alg !== undefined) changes.idTokenSignedResponseAlg = patch.id_token_signed_response_alg;
  if (patch.status !== undefined) changes.status = patch.status;
  return changes;
}
