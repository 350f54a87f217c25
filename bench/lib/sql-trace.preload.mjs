// Diagnostic preload for a *separate, unmeasured* server process (never loaded during a
// measured run): `node --import ./bench/lib/sql-trace.preload.mjs bin/opentrusty.js serve`.
// It wraps pg's Client#query so that every statement the server sends (text, parameter
// values, duration) is appended as one JSON line to BENCH_SQL_TRACE_FILE. Product code is not
// touched; the server imports the same `pg` module instance (CommonJS cache).
import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import pg from 'pg';

const file = process.env.BENCH_SQL_TRACE_FILE;
if (file) {
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function tracedQuery(config, values, callback) {
    const text = typeof config === 'string' ? config : config?.text;
    const params = Array.isArray(values) ? values : Array.isArray(config?.values) ? config.values : undefined;
    const started = performance.now();
    let written = false;
    const write = (error) => {
      if (written) return;
      written = true;
      try {
        appendFileSync(file, `${JSON.stringify({ text, params, ms: Number((performance.now() - started).toFixed(3)), error: error ? String(error.message ?? error) : undefined })}\n`);
      } catch {
        // diagnostics only
      }
    };
    // Callback style (what pg.Pool#query uses, e.g. for the server's named prepared statements):
    // wrap the callback. Promise style: watch the promise. Query objects: their events.
    if (text !== undefined && typeof callback === 'function') {
      const cb = callback;
      callback = function tracedCallback(error, ...rest) { write(error); return cb.call(this, error, ...rest); };
    } else if (text !== undefined && typeof values === 'function') {
      const cb = values;
      values = function tracedCallback(error, ...rest) { write(error); return cb.call(this, error, ...rest); };
    }
    const result = original.call(this, config, values, callback);
    if (text !== undefined && result && typeof result.then === 'function') {
      result.then(() => write(), (error) => write(error));
    } else if (text !== undefined && typeof config?.on === 'function') {
      config.on('end', () => write());
      config.on('error', (error) => write(error));
    }
    return result;
  };
}
