import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal, RequestWithPrincipal } from './principal.js';
import { UnauthenticatedError } from './permission.guard.js';

/** The authenticated caller of the route (set by PermissionGuard). */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<RequestWithPrincipal>().principal;
  if (!principal) throw new UnauthenticatedError();
  return principal;
});
