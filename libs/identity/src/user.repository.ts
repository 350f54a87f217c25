import { Injectable } from '@nestjs/common';
import { EntityManager, raw } from '@mikro-orm/postgresql';
import type { PageRequest } from '#platform/api/pagination.js';
import { PasswordCredential } from './password-credential.entity.js';
import { User, type UserStatus } from './user.entity.js';

export interface UserFilter {
  readonly status?: UserStatus;
  /** Case-insensitive prefix of the email or the name. */
  readonly q?: string;
}

export interface FailedSignIn {
  readonly failedLoginCount: number;
  /** Set when this failure locked the account. */
  readonly lockedUntil: Date | null;
}

/** The only code that reads or writes users and their credentials; every query carries the tenant. */
@Injectable()
export class UserRepository {
  constructor(private readonly em: EntityManager) {}

  findById(tenantId: string, id: string): Promise<User | null> {
    return this.em.findOne(User, { id, tenant: tenantId });
  }

  /**
   * Sign-in's one read: the user with this (normalized) email in the live tenant with this slug,
   * with the tenant and the password credential, in a single joined query.
   */
  findForSignIn(tenantSlug: string, email: string): Promise<User | null> {
    return this.em.findOne(User, { tenant: { slug: tenantSlug, deletedAt: null }, email }, { populate: ['tenant', 'credential'] });
  }

  /** The user with the (already normalized) email, with its password credential loaded. */
  findByEmailWithCredential(tenantId: string, email: string): Promise<User | null> {
    return this.em.findOne(User, { tenant: tenantId, email }, { populate: ['credential'] });
  }

  findByIdWithCredential(tenantId: string, id: string): Promise<User | null> {
    return this.em.findOne(User, { tenant: tenantId, id }, { populate: ['credential'] });
  }

  async emailTaken(tenantId: string, email: string): Promise<boolean> {
    return (await this.em.count(User, { tenant: tenantId, email })) > 0;
  }

  list(tenantId: string, filter: UserFilter, page: PageRequest): Promise<User[]> {
    const prefix = filter.q?.trim().toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
    return this.em.find(
      User,
      {
        tenant: tenantId,
        ...(filter.status ? { status: filter.status } : {}),
        ...(prefix ? { $or: [{ email: { $like: `${prefix}%` } }, { [raw('lower(name)')]: { $like: `${prefix}%` } }] } : {}),
        ...(page.after ? { id: { $gt: page.after } } : {}),
      },
      { orderBy: { id: 'asc' }, limit: page.limit + 1 },
    );
  }

  /** Which of these users have a password (for list pages, without loading credentials). */
  async withPassword(tenantId: string, userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.em.execute<{ user_id: string }[]>(
      `select c.user_id from password_credentials c join users u on u.id = c.user_id and u.tenant_id = ? where c.user_id = any(?::uuid[])`,
      [tenantId, `{${userIds.join(',')}}`],
    );
    return new Set(rows.map((row) => row.user_id));
  }

  add(user: User): void {
    this.em.persist(user);
  }

  remove(user: User): void {
    this.em.remove(user);
  }

  setPassword(user: User, hash: string): void {
    if (user.credential) {
      user.credential.hash = hash;
    } else {
      user.credential = this.em.create(PasswordCredential, { user, hash });
    }
  }

  /**
   * Counts one failed sign-in in a single atomic statement, so concurrent attempts cannot lose
   * counts; reaching the threshold locks the account and restarts the count.
   */
  async recordFailedSignIn(tenantId: string, userId: string, threshold: number, lockUntil: Date): Promise<FailedSignIn> {
    const [row] = await this.em.execute<{ locking: boolean; failed_login_count: number }[]>(
      `update users u
          set failed_login_count = case when s.locking then 0 else s.next_count end,
              locked_until = case when s.locking then ?::timestamptz else u.locked_until end
         from (select id, failed_login_count + 1 as next_count, failed_login_count + 1 >= ? as locking
                 from users where id = ? and tenant_id = ? for update) s
        where u.id = s.id
    returning s.locking, s.next_count as failed_login_count`,
      [lockUntil, threshold, userId, tenantId],
    );
    return { failedLoginCount: row?.failed_login_count ?? 0, lockedUntil: row?.locking ? lockUntil : null };
  }
}
