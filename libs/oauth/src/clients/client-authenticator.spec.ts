import { describe, expect, it, jest } from '@jest/globals';
import type { AppConfig } from '#platform/config/app-config.js';
import { ClientChangedError } from '../issuer/client-versions.js';
import type { IssuerClientCache } from '../issuer/issuer-client.cache.js';
import type { IssuerAndClient, RegisteredClient } from '../issuer/issuer-client.repository.js';
import { OAuthError } from '../oauth-error.js';
import { ClientAuthenticator } from './client-authenticator.js';
import { hashClientSecret } from './client-secret.js';

const CLIENT_ID = '01935d6c-0000-7000-8000-000000000001';
const SECRET = 'the-secret';

function issuerAndClient(secret: string, version: string, status: RegisteredClient['status'] = 'active'): IssuerAndClient {
  return {
    tenant: { id: 't', slug: 'acme', name: 'Acme', status: 'active' },
    client: {
      id: CLIENT_ID, tenantId: 't', secretHash: hashClientSecret(secret), status, type: 'confidential', tokenEndpointAuthMethod: 'client_secret_post',
      grantTypes: ['client_credentials'], scopes: ['api:read'], versions: { client: version, tenant: '1' },
    } as unknown as RegisteredClient,
  };
}

/** A cache whose kept copy and database answer are set by the test. */
function setUp(kept: IssuerAndClient | undefined, database: IssuerAndClient) {
  const cache = {
    remembered: jest.fn((_slug: string, _clientId: string) => kept),
    read: jest.fn(async (_slug: string, _clientId: string | undefined) => database),
  };
  const authenticator = new ClientAuthenticator(cache as unknown as IssuerClientCache, { publicUrl: 'https://id.example.com' } as AppConfig);
  const parameters = { client_id: CLIENT_ID, client_secret: SECRET };
  const withClient = <T>(act: (version: string) => Promise<T>) =>
    authenticator.withClient('acme', undefined, parameters, { allowPublic: false }, ({ client }) => act(client.versions.client));
  return { cache, authenticator, withClient };
}

describe('ClientAuthenticator', () => {
  it('judges on the kept copy without reading the database when the copy accepts the client', async () => {
    const { cache, withClient } = setUp(issuerAndClient(SECRET, '7'), issuerAndClient(SECRET, '8'));
    await expect(withClient(async (version) => version)).resolves.toBe('7');
    expect(cache.read).not.toHaveBeenCalled();
  });

  it('never refuses on the kept copy: a client the copy would refuse is read again and judged on what is there now', async () => {
    const { cache, withClient } = setUp(issuerAndClient('the-old-secret', '7', 'disabled'), issuerAndClient(SECRET, '8'));
    await expect(withClient(async (version) => version)).resolves.toBe('8');
    expect(cache.read).toHaveBeenCalledTimes(1);
  });

  it('refuses on a fresh read, and only then', async () => {
    const { cache, withClient } = setUp(issuerAndClient('the-old-secret', '7'), issuerAndClient('another-secret', '8'));
    await expect(withClient(async () => 'issued')).rejects.toMatchObject({ code: 'invalid_client' });
    expect(cache.read).toHaveBeenCalledTimes(1);
  });

  it('acts again on a fresh read when the statement finds the client changed since it was judged', async () => {
    const { cache, withClient } = setUp(issuerAndClient(SECRET, '7'), issuerAndClient(SECRET, '8'));
    const act = jest.fn(async (version: string) => {
      if (version === '7') throw new ClientChangedError();
      return version;
    });
    await expect(withClient(act)).resolves.toBe('8');
    expect(act).toHaveBeenCalledTimes(2);
    expect(cache.read).toHaveBeenCalledTimes(1);
  });

  it('gives up with 503 temporarily_unavailable when the client changes under every fresh read, and passes other errors through at once', async () => {
    const { cache, withClient } = setUp(issuerAndClient(SECRET, '7'), issuerAndClient(SECRET, '8'));
    const changed = await withClient(async () => {
      throw new ClientChangedError();
    }).catch((error: unknown) => error);
    expect(changed).toBeInstanceOf(ClientChangedError);
    expect(changed).toMatchObject({ code: 'temporarily_unavailable', kind: 'unavailable' });
    expect(cache.read).toHaveBeenCalledTimes(3);

    cache.read.mockClear();
    await expect(
      withClient(async () => {
        throw new OAuthError('invalid_grant', 'No.');
      }),
    ).rejects.toMatchObject({ code: 'invalid_grant' });
    expect(cache.read).not.toHaveBeenCalled();
  });
});
