import { describe, expect, it } from '@jest/globals';
import { type ClientRegistration, defaultAuthMethod, registeredUriProblem, registrationProblems } from './client-registration.js';

const WEB_APP: ClientRegistration = {
  type: 'confidential',
  tokenEndpointAuthMethod: 'client_secret_basic',
  redirectUris: ['https://app.example/cb'],
  grantTypes: ['authorization_code', 'refresh_token'],
  roles: [],
};

const fieldsOf = (client: ClientRegistration) => registrationProblems(client).map((problem) => problem.field);

describe('client registration rules', () => {
  it('accepts a web app, a public app and a service account', () => {
    expect(registrationProblems(WEB_APP)).toEqual([]);
    expect(registrationProblems({ ...WEB_APP, type: 'public', tokenEndpointAuthMethod: 'none' })).toEqual([]);
    expect(registrationProblems({ ...WEB_APP, redirectUris: [], grantTypes: ['client_credentials'], roles: ['tenant_admin'] })).toEqual([]);
  });

  it('ties the authentication method to the type', () => {
    expect(defaultAuthMethod('public')).toBe('none');
    expect(defaultAuthMethod('confidential')).toBe('client_secret_basic');
    expect(fieldsOf({ ...WEB_APP, tokenEndpointAuthMethod: 'none' })).toEqual(['token_endpoint_auth_method']);
    expect(fieldsOf({ ...WEB_APP, type: 'public', tokenEndpointAuthMethod: 'client_secret_post' })).toEqual(['token_endpoint_auth_method']);
  });

  it('ties the grants to redirect URIs, to each other and to the type', () => {
    expect(fieldsOf({ ...WEB_APP, redirectUris: [] })).toEqual(['redirect_uris']);
    expect(fieldsOf({ ...WEB_APP, grantTypes: ['refresh_token', 'client_credentials'] })).toEqual(['grant_types']);
    expect(fieldsOf({ ...WEB_APP, type: 'public', tokenEndpointAuthMethod: 'none', grantTypes: ['client_credentials'] })).toEqual(['grant_types']);
  });

  it('gives roles only to clients with the client_credentials grant', () => {
    expect(fieldsOf({ ...WEB_APP, roles: ['tenant_member'] })).toEqual(['roles']);
  });

  it('refuses wildcards anywhere in a registered URI, on top of the redirect URI rules', () => {
    for (const uri of ['https://*.example/cb', 'https://app.example/*', 'https://app.example/cb?x=*', 'http://localhost:*/']) expect(registeredUriProblem(uri)).toBeDefined();
    expect(registeredUriProblem('http://app.example/cb')).toBeDefined();
    expect(registeredUriProblem('https://app.example/cb')).toBeUndefined();
    expect(registeredUriProblem('http://[::1]:8080/cb')).toBeUndefined();
  });
});
