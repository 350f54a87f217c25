import { RequestContext } from '@mikro-orm/core';
import request from 'supertest';
import type { Test } from 'supertest';
import type { AssignableTenantRole } from '#access/permission-catalogue.js';
import { RoleAssignmentRepository } from '#access/role-assignment.repository.js';
import { PasswordHasher } from '#identity/password-hasher.js';
import { newUser } from '#identity/user.factory.js';
import { UserRepository } from '#identity/user.repository.js';
import { OperatorBootstrapService } from '#tenancy/operator-bootstrap.service.js';
import { TenantProvisioningService } from '#tenancy/tenant-provisioning.service.js';
import { TenantRepository } from '#tenancy/tenant.repository.js';
import type { TestPlanes } from './test-planes.js';

/** The password every seeded account gets. */
export const PASSWORD = 'correct-horse-battery-staple';

export interface SeededUser {
  readonly id: string;
  readonly email: string;
  readonly password: string;
  readonly tenantId: string;
  readonly tenantSlug: string;
}

export interface SeededTenant {
  readonly id: string;
  readonly slug: string;
  readonly owner: SeededUser;
}

/** Runs `work` inside an ORM request context of the admin plane, as a request would. */
async function inContext<T>(planes: TestPlanes, work: () => Promise<T>): Promise<T> {
  return RequestContext.create(planes.orm.em, work);
}

/** A tenant with its owner, created through the same service as POST /tenants. */
export async function seedTenant(planes: TestPlanes, slug: string): Promise<SeededTenant> {
  return inContext(planes, async () => {
    const email = `owner@${slug}.example`;
    const { tenant, owner } = await planes.admin.get(TenantProvisioningService).createTenant({ slug, name: `${slug} Inc.`, owner: { email, password: PASSWORD } }, { actor: { type: 'system' } });
    return { id: tenant.id, slug, owner: { id: owner.id, email, password: PASSWORD, tenantId: tenant.id, tenantSlug: slug } };
  });
}

/** A user with the given tenant roles (none: no role at all) in an existing tenant. */
export async function seedUser(planes: TestPlanes, tenant: { id: string; slug: string }, email: string, roles: readonly AssignableTenantRole[], password: string | null = PASSWORD): Promise<SeededUser> {
  return inContext(planes, async () => {
    const em = planes.orm.em;
    const found = await planes.admin.get(TenantRepository).findById(tenant.id);
    const user = newUser(found!, email, {}, new Date());
    const users = planes.admin.get(UserRepository);
    users.add(user);
    if (password) users.setPassword(user, await planes.admin.get(PasswordHasher).hash(password));
    await em.flush();
    for (const role of roles) await planes.admin.get(RoleAssignmentRepository).assign(role, { userId: user.id, tenantId: tenant.id });
    return { id: user.id, email, password: password ?? '', tenantId: tenant.id, tenantSlug: tenant.slug };
  });
}

/** The operator tenant and its platform administrator (who also owns it), as `opentrusty bootstrap` makes them. */
export async function seedPlatformAdmin(planes: TestPlanes, slug = 'operator'): Promise<SeededUser> {
  return inContext(planes, async () => {
    const email = `root@${slug}.example`;
    const { tenant, admin } = await planes.admin.get(OperatorBootstrapService).bootstrap(slug, email, PASSWORD);
    return { id: admin.id, email, password: PASSWORD, tenantId: tenant.id, tenantSlug: slug };
  });
}

/** An admin-plane client signed in with a console session: cookie and CSRF token on every call. */
export class AdminSession {
  private constructor(
    private readonly server: Parameters<typeof request>[0],
    readonly cookie: string,
    readonly csrfToken: string,
    readonly body: Record<string, unknown>,
  ) {}

  static async signIn(planes: TestPlanes, user: Pick<SeededUser, 'tenantSlug' | 'email' | 'password'>): Promise<AdminSession> {
    const server = planes.admin.getHttpServer();
    const response = await request(server).post('/api/v1/auth/login').send({ tenant: user.tenantSlug, email: user.email, password: user.password });
    if (response.status !== 200) throw new Error(`sign-in of ${user.email} failed: ${response.status} ${JSON.stringify(response.body)}`);
    const cookie = sessionCookieOf(response.headers['set-cookie']);
    return new AdminSession(server, cookie, response.body.csrf_token as string, response.body as Record<string, unknown>);
  }

  get(path: string): Test {
    return request(this.server).get(path).set('Cookie', this.cookie);
  }
  head(path: string): Test {
    return request(this.server).head(path).set('Cookie', this.cookie);
  }
  post(path: string, body?: unknown): Test {
    return this.withBody(request(this.server).post(path), body);
  }
  put(path: string, body?: unknown): Test {
    return this.withBody(request(this.server).put(path), body);
  }
  patch(path: string, body?: unknown): Test {
    return this.withBody(request(this.server).patch(path), body);
  }
  delete(path: string): Test {
    return request(this.server).delete(path).set('Cookie', this.cookie).set('X-CSRF-Token', this.csrfToken);
  }

  private withBody(test: Test, body: unknown): Test {
    const signed = test.set('Cookie', this.cookie).set('X-CSRF-Token', this.csrfToken);
    return body === undefined ? signed : signed.send(body as object);
  }
}

/** `name=value` of the admin session cookie from Set-Cookie headers. */
export function sessionCookieOf(setCookie: string | string[] | undefined): string {
  const headers = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const found = headers.find((header) => /^(__Host-)?opentrusty_admin=/.test(header));
  if (!found) throw new Error(`no admin session cookie in ${JSON.stringify(headers)}`);
  return found.split(';')[0]!;
}
