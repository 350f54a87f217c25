#!/usr/bin/env bash
# Smoke test of the README's first command: `npm start` with no database configured must start
# the embedded PostgreSQL, migrate, serve both planes with /health/ready answering 200, and stop
# cleanly (exit 0) on SIGTERM. Uses ports 8080/8081 unless they are taken.
set -euo pipefail
cd "$(dirname "$0")/.."

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
auth_port=8080; admin_port=8081
port_free "$auth_port" || auth_port=18180
port_free "$admin_port" || admin_port=18181

log=$(mktemp)
env -u OPENTRUSTY_DATABASE_URL OPENTRUSTY_AUTH_PORT="$auth_port" OPENTRUSTY_ADMIN_PORT="$admin_port" npm start >"$log" 2>&1 &
pid=$!
trap 'kill -KILL $pid 2>/dev/null || true; rm -f "$log"' EXIT

ready=""
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$auth_port/health/ready" >/dev/null 2>&1 && curl -fsS "http://127.0.0.1:$admin_port/health/ready" >/dev/null 2>&1; then
    ready=yes; break
  fi
  kill -0 $pid 2>/dev/null || break
  sleep 1
done
if [ -z "$ready" ]; then
  echo "smoke: npm start did not become ready"; cat "$log"; exit 1
fi
echo "smoke: both planes ready on :$auth_port and :$admin_port"
kill -TERM $pid
status=0; wait $pid || status=$?
if [ "$status" -ne 0 ]; then
  echo "smoke: npm start exited with $status after SIGTERM"; cat "$log"; exit 1
fi
echo "smoke: npm start stopped cleanly"
