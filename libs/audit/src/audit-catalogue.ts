import { AUDIT_ACTIONS } from './audit-actions.js';

/** docs/audit-events.md, generated from the action catalogue (`npm run docs:audit`); a test keeps them equal. */
export function renderAuditCatalogue(): string {
  const rows = Object.entries(AUDIT_ACTIONS).map(([action, meaning]) => `| \`${action}\` | ${meaning} |`);
  return `# Audit events

Generated from \`libs/audit/src/audit-actions.ts\` by \`npm run docs:audit\`; a test fails when this
file and the code differ.

Every event has: \`id\` (UUIDv7), \`occurred_at\` (UTC), \`tenant_id\` (null for platform events),
\`actor\` (\`{type: user|client|system|anonymous, id}\`), \`action\`, \`target\` (\`{type, id}\`),
\`outcome\` (\`success|failure\`), \`ip\`, \`user_agent\`, \`request_id\` and \`metadata\` (JSON).
Metadata never holds passwords, secrets, tokens, session ids, cookies, authorization headers or
hashes of them: the writer drops such keys whatever a caller passes.

Events that record a change are written in the same database transaction (or the same SQL
statement) as the change: a change that commits always has its event, one that rolls back has
none. Events with no state change (failed sign-ins, refused requests, token reuse) are written on
their own, so a failing transaction cannot lose them. PostgreSQL itself refuses UPDATE, TRUNCATE,
and DELETE of audit rows, except the retention purge's, for rows older than 90 days.

| action | recorded when |
|---|---|
${rows.join('\n')}
`;
}
