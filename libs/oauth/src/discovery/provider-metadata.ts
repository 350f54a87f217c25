/** Scopes every issuer supports (SPEC §5.1); clients may add API scopes of their own. */
export const STANDARD_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

/** Claims released in ID tokens and UserInfo (SPEC §5.5). */
export const SUPPORTED_CLAIMS = [
  'sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash', 'sid', 'azp',
  'name', 'given_name', 'family_name', 'nickname', 'picture', 'locale', 'zoneinfo', 'updated_at',
  'email', 'email_verified',
] as const;

/**
 * The OpenID Provider Metadata of one issuer (OIDC Discovery 1.0 §3, RFC 8414 §2), complete and
 * accurate for what the endpoints do (SPEC §5.6).
 */
export function providerMetadata(issuer: string): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/userinfo`,
    jwks_uri: `${issuer}/jwks`,
    revocation_endpoint: `${issuer}/revoke`,
    introspection_endpoint: `${issuer}/introspect`,
    end_session_endpoint: `${issuer}/logout`,
    scopes_supported: [...STANDARD_SCOPES],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256', 'ES256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: ['S256'],
    claims_supported: [...SUPPORTED_CLAIMS],
    claim_types_supported: ['normal'],
    prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
    authorization_response_iss_parameter_supported: true,
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    require_request_uri_registration: false,
    frontchannel_logout_supported: false,
    backchannel_logout_supported: false,
  };
}
