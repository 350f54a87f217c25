import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { AppConfig } from '#platform/config/app-config.js';
import type { LifecycleState } from '#platform/lifecycle/lifecycle.state.js';

/**
 * SPEC §8 shutdown: readiness turns 503 at once, the planes keep serving for the configured
 * delay (so load balancers notice), then stop accepting connections and let in-flight requests
 * finish (connections still open after the timeout are cut), and only then the pool closes.
 */
export async function shutDownGracefully(
  apps: readonly INestApplication[],
  closeDatabase: () => Promise<void>,
  lifecycle: LifecycleState,
  config: AppConfig,
  logger: Logger,
): Promise<void> {
  lifecycle.beginShutdown();
  logger.info({ delay_ms: config.shutdownDelayMs }, 'shutting down: readiness is now 503');
  if (config.shutdownDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));

  const servers = apps.map((app) => app.getHttpServer() as Server);
  const force = setTimeout(() => {
    logger.warn('shutdown timeout reached: closing the remaining connections');
    for (const server of servers) server.closeAllConnections();
  }, config.shutdownTimeoutMs);
  force.unref();
  // A keep-alive connection whose request just finished would otherwise linger until its idle timeout.
  const sweep = setInterval(() => servers.forEach((server) => server.closeIdleConnections()), 100);
  try {
    await Promise.all(apps.map((app) => app.close()));
  } finally {
    clearTimeout(force);
    clearInterval(sweep);
  }
  await closeDatabase();
  logger.info('shutdown complete');
}
