import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { PageRequest } from '#platform/api/pagination.js';
import { Tenant, type TenantStatus } from './tenant.entity.js';

export interface TenantFilter {
  readonly status?: TenantStatus;
  /** Case-insensitive prefix of the slug or the name. */
  readonly q?: string;
}

/** The only code that reads or writes tenants. Soft-deleted tenants are invisible here. */
@Injectable()
export class TenantRepository {
  constructor(private readonly em: EntityManager) {}

  findById(id: string): Promise<Tenant | null> {
    return this.em.findOne(Tenant, { id, deletedAt: null });
  }

  findBySlug(slug: string): Promise<Tenant | null> {
    return this.em.findOne(Tenant, { slug, deletedAt: null });
  }

  /** Whether any tenant, deleted or not, ever used the slug (slugs are never reused). */
  async slugExists(slug: string): Promise<boolean> {
    return (await this.em.count(Tenant, { slug })) > 0;
  }

  list(filter: TenantFilter, page: PageRequest): Promise<Tenant[]> {
    const escaped = filter.q?.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
    return this.em.find(
      Tenant,
      {
        deletedAt: null,
        ...(filter.status ? { status: filter.status } : {}),
        ...(escaped ? { $or: [{ slug: { $like: `${escaped}%` } }, { name: { $ilike: `${escaped}%` } }] } : {}),
        ...(page.after ? { id: { $gt: page.after } } : {}),
      },
      { orderBy: { id: 'asc' }, limit: page.limit + 1 },
    );
  }

  add(tenant: Tenant): void {
    this.em.persist(tenant);
  }
}
