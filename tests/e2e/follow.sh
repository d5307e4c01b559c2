#!/usr/bin/env bash
# ingest --follow: lines appended to a file are stored as they come (a half
# written line waits for its end), new .gz objects in a followed directory are
# stored once, and SIGTERM stops it cleanly with everything flushed.
set -euo pipefail
bin=$1
# shellcheck source=common.bash
source "$(dirname "$0")/common.bash"
pid=
on_exit='[ -n "$pid" ] && kill "$pid" 2>/dev/null'
"$bin" generate --records 20000 --seed 9 -o "$work/all.log" >/dev/null
"$bin" generate --records 6000 --seed 10 --s3 -o "$work/objs" >/dev/null
head -5000 "$work/all.log" > "$work/live.log"
mkdir -p "$work/drop"
"$bin" ingest --data-dir "$work/data" -g /live --follow "$work/live.log" > "$work/out" 2>&1 &
pid=$!
wait_text() {  # wait (a minute at most) until the follower's output has a line matching $1
  for _ in $(seq 1 600); do
    grep -q "$1" "$work/out" && return 0
    sleep 0.1
  done
  fail "follower never printed '$1': $(cat "$work/out")"
}
wait_for() { wait_text "^$1 records stored while following"; }
# Append only once the first pass is over and following has begun.
wait_text "^following"
sed -n 5001,12000p "$work/all.log" >> "$work/live.log"
wait_for 7000
line=$(sed -n 12001p "$work/all.log")
printf '%s' "${line:0:20}" >> "$work/live.log"
sleep 1.2
printf '%s\n' "${line:20}" >> "$work/live.log"
wait_for 7001
kill -TERM "$pid"
wait "$pid" || fail "follower exited with an error: $(cat "$work/out")"
pid=
n=$("$bin" query --data-dir "$work/data" -g /live -o csv 'stats count(*) as n' | tail -1)
[ "$n" = 12001 ] || fail "stored $n records, want 12001"
m=$("$bin" query -f "$work/live.log" -o csv 'stats sum(bytes) as b' | tail -1)
k=$("$bin" query --data-dir "$work/data" -g /live -o csv 'stats sum(bytes) as b' | tail -1)
[ "$m" = "$k" ] || fail "bytes differ: file $m, store $k"
echo "ok a followed file"

# A followed directory: .gz objects that appear are stored once.
"$bin" ingest --data-dir "$work/data2" -g /s3 --follow "$work/drop" > "$work/out" 2>&1 &
pid=$!
wait_text "^following"
first=$(find "$work/objs" -name '*.gz' | sort | sed -n 1p)
cp "$first" "$work/drop/"
want=$(zcat "$first" | tail -n +2 | wc -l)
wait_for "$want"
sleep 1
kill -TERM "$pid"
wait "$pid" || fail "directory follower failed: $(cat "$work/out")"
pid=
n=$("$bin" query --data-dir "$work/data2" -g /s3 -o csv 'stats count(*) as n' | tail -1)
[ "$n" = "$want" ] || fail "directory follow stored $n, want $want"
echo "ok a followed directory"
echo "2 passed, 0 failed"
