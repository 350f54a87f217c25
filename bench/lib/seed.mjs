// Tenants and users for the benchmarks, through the admin API (the real product path).
import { api, login } from './environment.mjs';

export async function createTenant(baseUrl, platformAdmin, { slug, name, ownerEmail, ownerPassword }) {
  const res = await api(baseUrl, 'POST', '/api/v1/tenants', {
    session: platformAdmin,
    body: { slug, name, owner: { email: ownerEmail, password: ownerPassword } },
  });
  if (res.status !== 201) throw new Error(`create tenant ${slug}: ${res.status} ${res.text}`);
  return { id: res.json.tenant.id, slug, ownerId: res.json.owner.id };
}

/** Creates users through POST /api/v1/tenants/{id}/users, `concurrency` at a time. */
export async function createUsers(baseUrl, session, tenantId, users, concurrency = 4) {
  let next = 0;
  const created = [];
  async function worker() {
    while (next < users.length) {
      const user = users[next++];
      const res = await api(baseUrl, 'POST', `/api/v1/tenants/${tenantId}/users`, { session, body: user });
      if (res.status !== 201) throw new Error(`create user ${user.email}: ${res.status} ${res.text}`);
      created.push(res.json);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return created;
}

export { login };
