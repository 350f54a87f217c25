import { Module } from '@nestjs/common';
import { OAuthClientRepository } from './clients/oauth-client.repository.js';

/** The storage of OAuth clients for their administration (registration, changes, secrets, deletion). */
@Module({
  providers: [OAuthClientRepository],
  exports: [OAuthClientRepository],
})
export class OAuthClientsModule {}
