// Benchmark-only preload for a *variant* server process of the OAuth benchmark, never for a
// server anyone uses: `node --import ./bench/lib/no-audit.preload.mjs bin/opentrusty.js serve`.
// It measures what the audit trail costs the token endpoint (SPEC §7: audit writing may cost at
// most 15 % of client_credentials throughput) by sending the client_credentials grant's statement
// without its audit event. The product has no switch to turn auditing off, on purpose; this
// rewrite of the one statement, at the `pg` driver below the product, is how the comparison is
// made. Every other statement passes unchanged.
//
// The grant's statement (TokenRepository.insertClientTokens, one or more grants written together) is
//   with input as (… unnest($1 … $10) …), judged as (…), token as (insert into oauth_access_tokens …),
//        audit as (insert into audit_events … join unnest($11 … $17) …)
//   select n from judged
// and becomes the same statement without its audit CTE and its parameters, under its own prepared name.
import pg from 'pg';

const GRANT = /^(with input as \([\s\S]*token as \(\s*insert into oauth_access_tokens\b[\s\S]*?\))\s*,\s*audit as \(\s*insert into audit_events\b[\s\S]*\)\s*(select n from judged)\s*$/;
const TOKEN_PARAMETERS = 10;
let rewritten = 0;

const original = pg.Client.prototype.query;
pg.Client.prototype.query = function queryWithoutAudit(config, values, callback) {
  const text = typeof config === 'object' && config !== null ? config.text : undefined;
  const match = typeof text === 'string' ? GRANT.exec(text) : null;
  if (match && Array.isArray(config.values)) {
    rewritten += 1;
    config = { ...config, text: `${match[1]}\n${match[2]}`, values: config.values.slice(0, TOKEN_PARAMETERS), name: config.name ? `${config.name}_noaudit` : undefined };
  }
  return original.call(this, config, values, callback);
};

// The runner checks that the rewrite happened (a rename of the statement would silently make
// this variant measure the same thing as the main server).
process.on('SIGTERM', () => process.stderr.write(`no-audit preload: ${rewritten} client_credentials statements sent without their audit event\n`));
