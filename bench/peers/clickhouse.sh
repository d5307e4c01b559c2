# bench/peers/clickhouse.sh: a private ClickHouse 18.16 server for the benchmark (sourced).
#
# ch_start DIR   starts /usr/sbin/clickhouse-server as an ordinary process of this user, with a
#                generated config: data, tmp, logs and user_files under DIR, listening on
#                127.0.0.1 at a free TCP port, query_log on, time zone UTC. Sets CH_PID, CH_PORT.
# ch_stop        stops it (SIGTERM to CH_PID, then waits).
# ch ARGS...     clickhouse-client against it.
# Debian's 18.16 packages have no clickhouse-local, so the text file is read by this server
# through the file() table function: files must be under DIR/user_files (symlinks work).

CH_SERVER=${CH_SERVER:-/usr/sbin/clickhouse-server}
CH_CLIENT=${CH_CLIENT:-clickhouse-client}

ch() { "$CH_CLIENT" --host 127.0.0.1 --port "$CH_PORT" "$@"; }

ch_free_port() {
  local p
  for ((p = 20000 + RANDOM % 20000; ; p++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

ch_start() {
  local dir=$1 i
  mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/logs" "$dir/format_schemas"
  CH_PORT=$(ch_free_port)
  cat >"$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$dir/logs/server.log</log><errorlog>$dir/logs/error.log</errorlog><size>100M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>$CH_PORT</tcp_port>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <format_schema_path>$dir/format_schemas/</format_schema_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>1073741824</mark_cache_size>
  <max_concurrent_queries>10</max_concurrent_queries>
  <query_log><database>system</database><table>query_log</table><flush_interval_milliseconds>1000</flush_interval_milliseconds></query_log>
</yandex>
XML
  cat >"$dir/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>10000000000</max_memory_usage><log_queries>1</log_queries></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
XML
  "$CH_SERVER" --config-file="$dir/config.xml" >"$dir/logs/stdout" 2>&1 &
  CH_PID=$!
  for ((i = 0; i < 120; i++)); do
    ch -q 'SELECT 1' >/dev/null 2>&1 && return 0
    kill -0 "$CH_PID" 2>/dev/null || break
    sleep 0.5
  done
  tail -n 20 "$dir/logs/stdout" "$dir/logs/error.log" >&2 2>/dev/null
  die "clickhouse-server did not start (port $CH_PORT, see $dir/logs)"
}

ch_stop() {
  [[ -n "${CH_PID:-}" ]] || return 0
  kill "$CH_PID" 2>/dev/null || true
  wait "$CH_PID" 2>/dev/null || true
  CH_PID=
}
