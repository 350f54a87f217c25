import type { AuditRecord } from '#audit/audit-writer.js';

/**
 * The `token.reuse_detected` event (SPEC §5.4, §7): a client presented a spent authorization code
 * or a rotated refresh token, and the grant behind it is being revoked.
 */
export function reuseDetectedEvent(
  tenantId: string,
  clientId: string,
  grant: { readonly type: 'authorization_code' | 'refresh_token_family'; readonly id: string },
): AuditRecord {
  return {
    action: 'token.reuse_detected',
    tenantId,
    actor: { type: 'client', id: clientId },
    target: grant,
    outcome: 'failure',
    metadata: { grant_type: grant.type === 'authorization_code' ? 'authorization_code' : 'refresh_token' },
  };
}
