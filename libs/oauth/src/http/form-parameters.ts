import { OAuthError } from '../oauth-error.js';

/**
 * The parameters of an OAuth request (form body or query) as single strings. RFC 6749 §3.1, §3.2:
 * a parameter sent more than once is an invalid request; empty values count as absent.
 */
export type OAuthParameters = Readonly<Record<string, string | undefined>>;

export function oauthParameters(source: unknown): OAuthParameters {
  if (source === undefined || source === null) return {};
  if (typeof source !== 'object' || Array.isArray(source)) throw new OAuthError('invalid_request', 'The request parameters are not readable.');
  const parameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (Array.isArray(value)) throw new OAuthError('invalid_request', `The parameter ${name.slice(0, 64)} is repeated.`);
    if (typeof value !== 'string') throw new OAuthError('invalid_request', `The parameter ${name.slice(0, 64)} is not a string.`);
    if (value.includes('\u0000')) throw new OAuthError('invalid_request', `The parameter ${name.slice(0, 64)} contains a NUL character.`);
    if (value !== '') parameters[name] = value;
  }
  return parameters;
}

/** A required parameter, or invalid_request naming it. */
export function required(parameters: OAuthParameters, name: string): string {
  const value = parameters[name];
  if (value === undefined) throw new OAuthError('invalid_request', `The ${name} parameter is required.`);
  return value;
}
