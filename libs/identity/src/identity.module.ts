import { Module } from '@nestjs/common';
import { TenancyDataModule } from '#tenancy/tenancy-data.module.js';
import { PasswordHasher } from './password-hasher.js';
import { SessionRepository } from './session.repository.js';
import { SessionService } from './session.service.js';
import { SignInService } from './sign-in.service.js';
import { UserRepository } from './user.repository.js';

/** Users, credentials, sessions and password sign-in. */
@Module({
  imports: [TenancyDataModule],
  providers: [PasswordHasher, UserRepository, SessionRepository, SessionService, SignInService],
  exports: [PasswordHasher, UserRepository, SessionService, SignInService, TenancyDataModule],
})
export class IdentityModule {}
