import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuditWriter } from '#audit/audit-writer.js';
import { RateLimiter } from '#database/rate-limit/rate-limiter.js';
import { type PermissionRequirement, PUBLIC_ROUTE, REQUIRED_PERMISSION } from '#platform/api/route-access.js';
import { DomainError } from '#platform/errors/domain-error.js';
import { isUuid } from '#platform/ids/uuidv7.js';
import { csrfTokenMatches } from '#identity/session-token.js';
import { AUTHENTICATION_STRATEGIES, type AuthenticationStrategy } from './authentication-strategy.js';
import type { Permission } from './permission-catalogue.js';
import { actorOf, holds, type Principal, type RequestWithPrincipal } from './principal.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class UnauthenticatedError extends DomainError {
  constructor() {
    super('unauthenticated', 'unauthenticated', 'Authentication is required.');
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'You are not allowed to do this.') {
    super('forbidden', 'forbidden', message);
  }
}

/**
 * Every admin-plane route passes here (SPEC §6.1): the caller is authenticated by the first
 * strategy that recognises its credentials, cookie-authenticated unsafe requests must carry the
 * session's CSRF token, path ids must be UUIDs, and the route's permission must be held (in the
 * path's tenant for tenant permissions). A route that declares no access rule is refused.
 * Each authenticated caller's requests count against the admin rate limit (SPEC §8).
 */
@Injectable()
export class PermissionGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTHENTICATION_STRATEGIES) private readonly strategies: readonly AuthenticationStrategy[],
    private readonly audit: AuditWriter,
    private readonly rateLimiter: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const requirement = this.reflector.getAllAndOverride<PermissionRequirement>(REQUIRED_PERMISSION, targets);
    if (!requirement) throw new ForbiddenError('This route declares no access rule.');

    const req = context.switchToHttp().getRequest<RequestWithPrincipal>();
    const principal = await this.authenticate(req);
    const actor = actorOf(principal);
    await this.rateLimiter.hit('adminPerCaller', `${actor.type}:${actor.id}`);
    if (principal.authenticatedBy === 'session' && !SAFE_METHODS.has(req.method)) {
      const presented = req.get('x-csrf-token');
      if (!principal.session || !csrfTokenMatches(principal.session.token, presented)) {
        await this.recordDenial(principal, req, 'csrf_token_invalid');
        throw new DomainError('forbidden', 'csrf_token_invalid', 'The X-CSRF-Token header is missing or does not match the session.');
      }
    }
    assertPathIds(req.params);
    const tenantId = req.params[requirement.tenantParam] as string | undefined;
    if (!requirement.anyOf.some((permission) => holds(principal, permission as Permission, tenantId))) {
      await this.recordDenial(principal, req, 'missing_permission', { required: requirement.anyOf, tenant_id: tenantId ?? null });
      throw new ForbiddenError();
    }
    return true;
  }

  /** A refused authenticated request is a security event, kept whatever happens next (SPEC §7). */
  private recordDenial(principal: Principal, req: RequestWithPrincipal, reason: string, extra: Record<string, unknown> = {}): Promise<void> {
    return this.audit.recordIndependently({
      action: 'access.denied',
      tenantId: principal.tenantId,
      actor: actorOf(principal),
      outcome: 'failure',
      metadata: { reason, method: req.method, route: req.route?.path ?? req.path, ...extra },
    });
  }

  private async authenticate(req: RequestWithPrincipal) {
    for (const strategy of this.strategies) {
      const principal = await strategy.authenticate(req);
      if (principal) {
        req.principal = principal;
        return principal;
      }
    }
    throw new UnauthenticatedError();
  }
}

/** Every `...Id` path parameter must be a canonical UUID (SPEC §6: path ids validated). */
export function assertPathIds(params: Record<string, string | string[] | undefined>): void {
  for (const [name, value] of Object.entries(params)) {
    if (/id$/i.test(name) && (typeof value !== 'string' || !isUuid(value))) {
      throw new DomainError('invalid_input', 'invalid_id', `The path parameter ${name} is not a valid id.`);
    }
  }
}
