import type { NestExpressApplication } from '@nestjs/platform-express';
import { createAdminApp } from '#admin-plane/create-admin-app.js';
import { createAuthApp } from '#auth-plane/create-auth-app.js';
import type { PlaneContext } from '#platform/plane-context.js';

export type PlaneSelection = 'auth' | 'admin' | 'all';

export interface RunningPlane {
  readonly name: 'auth' | 'admin';
  readonly app: NestExpressApplication;
  readonly port: number;
}

/** Creates the selected planes and starts each listening on its own port. */
export async function startPlanes(context: PlaneContext, selection: PlaneSelection): Promise<RunningPlane[]> {
  const { config } = context;
  const wanted: { name: 'auth' | 'admin'; port: number; create: typeof createAuthApp }[] = [];
  if (selection !== 'admin') wanted.push({ name: 'auth', port: config.authPort, create: createAuthApp });
  if (selection !== 'auth') wanted.push({ name: 'admin', port: config.adminPort, create: createAdminApp });

  const running: RunningPlane[] = [];
  try {
    for (const plane of wanted) {
      const app = await plane.create(context);
      running.push({ name: plane.name, app, port: plane.port });
      await app.listen(plane.port, config.host);
    }
  } catch (error) {
    await Promise.all(running.map((plane) => plane.app.close().catch(() => undefined)));
    throw error;
  }
  return running;
}
