/** The server's Argon2id parameters (README: OPENTRUSTY_ARGON2_*, defaults m=19456 KiB, t=2, p=1). */
export function argon2Parameters(env = process.env) {
  return {
    memoryCost: Number(env.OPENTRUSTY_ARGON2_MEMORY_KIB || 19456),
    timeCost: Number(env.OPENTRUSTY_ARGON2_TIME_COST || 2),
    parallelism: Number(env.OPENTRUSTY_ARGON2_PARALLELISM || 1),
  };
}

/** Algorithm.Argon2id of @node-rs/argon2 (a const enum in its typings). */
export const ARGON2ID = 2;
