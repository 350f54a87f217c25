import { Module } from '@nestjs/common';
import { IdentityModule } from '#identity/identity.module.js';
import { RoleAssignmentRepository } from './role-assignment.repository.js';

/** Roles, permissions and their assignments. The guard is registered by each plane with its strategies. */
@Module({
  imports: [IdentityModule],
  providers: [RoleAssignmentRepository],
  exports: [RoleAssignmentRepository, IdentityModule],
})
export class AccessModule {}
