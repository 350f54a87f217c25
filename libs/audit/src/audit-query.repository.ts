import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditQuery } from './audit-query.entity.js';

/** The only code that reads or writes declared audit queries. */
@Injectable()
export class AuditQueryRepository {
  constructor(private readonly em: EntityManager) {}

  add(query: AuditQuery): void {
    this.em.persist(query);
  }

  /** The declaration with this id made by this user; someone else's is as unknown as a missing one. */
  findDeclaredBy(id: string, userId: string): Promise<AuditQuery | null> {
    return this.em.findOne(AuditQuery, { id, declaredBy: userId });
  }
}
