/**
 * The channel on which PostgreSQL announces every committed change to a tenant or an OAuth
 * client, and the statement trigger that announces it (declared on both entities, created by
 * Migration20261129000900). One notification per statement; PostgreSQL merges identical ones
 * within a transaction and delivers them at commit, never for a rolled-back change.
 */
export const CLIENT_CHANGES_CHANNEL = 'opentrusty_client_changes';

export function clientChangeTrigger(table: string) {
  return {
    name: `${table}_notify_client_change`,
    timing: 'after' as const,
    events: ['insert' as const, 'update' as const, 'delete' as const],
    forEach: 'statement' as const,
    body: `perform pg_notify('${CLIENT_CHANGES_CHANNEL}', ''); return null;`,
  };
}
