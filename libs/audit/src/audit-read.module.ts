import { Module } from '@nestjs/common';
import { AuditEventRepository } from './audit-event.repository.js';
import { AuditQueryRepository } from './audit-query.repository.js';

/** Reading the audit trail (SPEC §7): the events and the platform administrators' declared queries. */
@Module({ providers: [AuditEventRepository, AuditQueryRepository], exports: [AuditEventRepository, AuditQueryRepository] })
export class AuditReadModule {}
