# Shared by the serve_*.sh end-to-end tests (sourced; not a test itself):
# common.bash ($work, `fail`, `ok`), a server killed on exit and whose log
# ends a failure's message, start_server/stop_server on a free loopback port,
# and write_credentials.
# Expects: $bin (the flowlens binary). Sets: $work, $port, $server_pid.
# shellcheck source=common.bash
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"
server_pid=
on_exit='if [ -n "$server_pid" ]; then kill -9 "$server_pid" 2>/dev/null; fi'
on_fail='[ -f "$work/server.log" ] && tail -20 "$work/server.log" >&2'
# Starts `flowlens serve` on 127.0.0.1:0 with $work/data and $work/credentials
# (plus the arguments given) and reads the port it reports.
start_server_common() {
  : >"$work/server.log"
  "$bin" serve --listen 127.0.0.1:0 --data-dir "$work/data" --credentials "$work/credentials" \
    "$@" 2>>"$work/server.log" &
  server_pid=$!
  for _ in $(seq 1 200); do
    port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$work/server.log")
    [ -n "$port" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || fail "server did not start"
    sleep 0.05
  done
  fail "server did not report its port"
}
# SIGTERM; the server must exit 0.
stop_server() {
  kill -TERM "$server_pid"
  local rc=0
  wait "$server_pid" || rc=$?
  server_pid=
  [ "$rc" = 0 ] || fail "server exit status $rc after SIGTERM"
}

# Writes alice's key, the one every serve test signs with, to $work/credentials
# (a test appends other users after it).
write_credentials() {
  cat >"$work/credentials" <<'C'
[alice]
aws_access_key_id = AKIAALICE0000000000
aws_secret_access_key = alice/secret/key+0000000000000000000000
C
}
