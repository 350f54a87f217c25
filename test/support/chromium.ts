import { accessSync, constants } from 'node:fs';

/** Where Debian's `chromium` package puts the browser; OPENTRUSTY_TEST_CHROMIUM overrides it. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** Headless, sandbox-free (tests run as root in containers), and quiet: no calls home, no updates. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

const INSTALL_HINT = 'install it with `apt-get update && apt-get install -y chromium`, or set OPENTRUSTY_TEST_CHROMIUM to a Chromium executable';

/**
 * The Chromium executable for the browser tests, or undefined when the tests should be skipped.
 * With OPENTRUSTY_TEST_REQUIRE_BROWSER=1 (CI) a missing browser is an error instead, so a CI
 * machine without Chromium fails loudly rather than passing without having run the browser tests.
 */
export function chromiumForTests(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = env.OPENTRUSTY_TEST_CHROMIUM || DEFAULT_CHROMIUM;
  if (isExecutable(path)) return path;
  if (env.OPENTRUSTY_TEST_REQUIRE_BROWSER === '1') {
    throw new Error(`OPENTRUSTY_TEST_REQUIRE_BROWSER=1 but there is no executable Chromium at ${path}: ${INSTALL_HINT}.`);
  }
  console.warn(`Skipping the browser tests: no Chromium at ${path} (${INSTALL_HINT}).`);
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
