#!/usr/bin/env bash
# Starts Redis and PostgreSQL on loopback, on free ports, for the tests of the
# distributed mode (issue 15); `stop` ends them. Sourced by .ci/run:
#   . .ci/services.sh start   → exports ZWGK_TEST_REDIS and ZWGK_TEST_POSTGRES
#   . .ci/services.sh stop               (ends what ZWGK_SERVICES_DIR names)
# PostgreSQL refuses to run as root: as root it runs as the `postgres` user.
set -euo pipefail


free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

pg_bin() {
  if command -v pg_ctl >/dev/null 2>&1; then dirname "$(readlink -f "$(command -v pg_ctl)")"; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

services_start() {
  # A folder of its own, so that two runs on one machine do not meet; `stop` finds it through the variable.
  svc_dir=$(mktemp -d /tmp/zwgk-services.XXXXXX)
  export ZWGK_SERVICES_DIR="$svc_dir"
  local rport pport bin
  rport=$(free_port)
  redis-server --bind 127.0.0.1 --port "$rport" --save '' --appendonly no --daemonize yes \
    --pidfile "$svc_dir/redis.pid" --logfile "$svc_dir/redis.log" --dir "$svc_dir"
  bin=$(pg_bin)
  pport=$(free_port)
  mkdir -p "$svc_dir/pg"
  [ "$(id -u)" = 0 ] && chown postgres "$svc_dir" "$svc_dir/pg"
  as_pg "$bin/initdb" -D "$svc_dir/pg" -U zwgk --auth=trust -E UTF8 --locale=C.UTF-8 >"$svc_dir/initdb.log"
  as_pg "$bin/pg_ctl" -D "$svc_dir/pg" -l "$svc_dir/pg.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $pport -k $svc_dir -c fsync=off" start >/dev/null
  for _ in $(seq 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
  export ZWGK_TEST_REDIS="redis://127.0.0.1:$rport"
  export ZWGK_TEST_POSTGRES="postgres://zwgk@127.0.0.1:$pport/postgres"
  echo "[services] redis $ZWGK_TEST_REDIS, postgres $ZWGK_TEST_POSTGRES"
}

services_stop() {
  local bin svc_dir="${ZWGK_SERVICES_DIR:-}"; bin=$(pg_bin)
  [ -n "$svc_dir" ] || return 0
  [ -d "$svc_dir/pg" ] && as_pg "$bin/pg_ctl" -D "$svc_dir/pg" -m fast -w stop >/dev/null 2>&1 || true
  [ -f "$svc_dir/redis.pid" ] && kill "$(cat "$svc_dir/redis.pid")" 2>/dev/null || true
  rm -rf "$svc_dir"
}

case "${1:-}" in
  start) services_start ;;
  stop) services_stop ;;
  *) echo "usage: . .ci/services.sh start|stop" >&2; return 2 2>/dev/null || exit 2 ;;
esac
