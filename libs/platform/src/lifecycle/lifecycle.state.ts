/**
 * Process-wide lifecycle flag shared by every plane in the process: once shutdown begins,
 * readiness answers 503 so load balancers stop sending new work while in-flight requests finish.
 */
export class LifecycleState {
  #shuttingDown = false;

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  beginShutdown(): void {
    this.#shuttingDown = true;
  }
}
