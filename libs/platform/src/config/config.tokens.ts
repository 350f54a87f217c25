/** Injection token of the validated AppConfig (`@Inject(APP_CONFIG) config: AppConfig`). */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** Injection token of the process's root pino logger. */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** Injection token of the 32-byte key-encryption key (`Buffer`). */
export const KEY_ENCRYPTION_KEY = Symbol('KEY_ENCRYPTION_KEY');
