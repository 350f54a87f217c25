/**
 * The channel on which PostgreSQL announces every committed change to a tenant or an OAuth
 * client, and the statement trigger that announces it (declared on both entities, created by
 * Migration20261129000900). One notification per statement; PostgreSQL merges identical ones
 * within a transaction and delivers them at commit, never for a rolled-back change.
 *
 * Nothing listens any more: kept clients are now confirmed by their row versions
 * (client-versions.ts). The triggers stay for one release, for replicas of the previous one
 * still running during a rolling update (migrations expand in one release and contract in a
 * later one, docs/operations.md §12.6); a later migration drops them.
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
