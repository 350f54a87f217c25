/**
 * A readiness condition contributed by a module (signing keys loadable, for instance), reported
 * under its own key in GET /health/ready beside the database and migrations checks.
 */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<{ readonly ready: boolean; readonly message?: string }>;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');
