import type { RequestHandler, Response } from 'express';
import type { PublicDocuments } from '#oauth/discovery/public-documents.service.js';

/** Public, cacheable documents: answered even for a suspended tenant (SPEC §4). */
const CACHEABLE = 'public, max-age=300';

export const METADATA_TYPE = 'application/json';
export const JWKS_TYPE = 'application/jwk-set+json';

/** Sends a document as it is cached, bytes and all: no per-request encoding, negotiation or ETag. */
export function sendPublicDocument(res: Response, type: string, body: Buffer): void {
  res.statusCode = 200;
  res.setHeader('Cache-Control', CACHEABLE);
  res.setHeader('Content-Type', `${type}; charset=utf-8`);
  res.setHeader('Content-Length', body.length);
  res.end(body);
}

const DOCUMENT_PATH = /^\/t\/([a-z0-9][a-z0-9-]{1,61}[a-z0-9])\/(\.well-known\/openid-configuration|jwks)$/;

/**
 * Discovery and JWKS are the most requested documents of an issuer. While a fresh copy is in
 * memory, a plain GET of one is answered here, after the request id, log line, metrics and
 * security headers but before routing: the same bytes and headers as the routes in
 * DiscoveryController, which handle everything else (first request, unknown issuer, query
 * strings, HEAD, the RFC 8414 path).
 */
export function publicDocumentShortcut(documents: PublicDocuments): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'GET' || req.url.includes('?')) return next();
    const match = DOCUMENT_PATH.exec(req.url);
    if (!match) return next();
    const jwks = match[2] === 'jwks';
    const body = documents.freshCopy(jwks ? 'jwks' : 'metadata', match[1]!);
    if (!body) return next();
    res.locals.routePattern = jwks ? '/t/:slug/jwks' : '/t/:slug/.well-known/openid-configuration';
    sendPublicDocument(res, jwks ? JWKS_TYPE : METADATA_TYPE, body);
  };
}
