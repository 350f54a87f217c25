import { Global, Module } from '@nestjs/common';
import { AuditWriter } from './audit-writer.js';

/** The audit writer, available to every module of a plane. */
@Global()
@Module({ providers: [AuditWriter], exports: [AuditWriter] })
export class AuditModule {}
