import type { NestExpressApplication } from '@nestjs/platform-express';

export interface RouteInfo {
  readonly method: string;
  readonly path: string;
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/** Every route a plane's Express router serves, read from the router itself (not a hand-kept list). */
export function routesOf(app: NestExpressApplication): RouteInfo[] {
  const instance = app.getHttpAdapter().getInstance() as { router: { stack: Layer[] } };
  return instance.router.stack.flatMap((layer) => {
    if (!layer.route) return [];
    const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
    return paths.flatMap((path) =>
      Object.keys(layer.route!.methods)
        .filter((method) => method !== '_all')
        .map((method) => ({ method: method.toUpperCase(), path })),
    );
  });
}

/** A concrete URL for a route pattern: each `:param` becomes a plausible value. */
export function concretePath(pattern: string): string {
  return pattern.replace(/:(\w+)/g, (_, name: string) => (/id$/i.test(name) ? '0193a0e8-0000-7000-8000-000000000001' : 'acme'));
}
