#!/usr/bin/env bash
# The store from the command line: ingest (plain, S3 layout, stdin), re-runs
# that skip what is stored, the same answers from the store as from the files,
# groups/streams/check, bad input, and a corrupt segment.
set -euo pipefail
bin=$1
# shellcheck source=common.bash
source "$(dirname "$0")/common.bash"
data="$work/data"

"$bin" generate --records 60000 --seed 5 -o "$work/day.log" >/dev/null
"$bin" generate --records 30000 --seed 6 --s3 -o "$work/bucket" >/dev/null

out=$("$bin" ingest --data-dir "$data" -g /vpc/day "$work/day.log")
grep -q "^60000 records stored" <<<"$out" || fail "ingest: $out"
out=$("$bin" ingest --data-dir "$data" -g /vpc/day "$work/day.log")
grep -q "skipped (already ingested)" <<<"$out" || fail "re-ingest not skipped: $out"
n=$("$bin" query --data-dir "$data" -g /vpc/day -o csv 'stats count(*) as n' | tail -1)
[ "$n" = 60000 ] || fail "count after re-ingest: $n"
ok "ingest once, re-run skipped"

# The same answers from the store as from the file.
while IFS= read -r q; do
  a=$("$bin" query --no-limit -o csv -f "$work/day.log" "$q" | sort)
  b=$("$bin" query --no-limit -o csv --data-dir "$data" -g /vpc/day "$q" | sort)
  [ "$a" = "$b" ] || fail "store and file differ for: $q"
done <<'Q'
stats sum(packets) as packetsTransferred by srcAddr, dstAddr | sort packetsTransferred desc | limit 15
stats sum(bytes) as BytesSent by srcAddr, dstAddr | sort BytesSent desc
filter action="REJECT" | stats count(*) as numRejections by srcAddr | sort numRejections desc
filter dstPort = 22 or dstPort = 3389 | stats count(*) by srcAddr, action
filter isIpv4InSubnet(srcAddr, "10.0.0.0/16") and not isIpv4InSubnet(dstAddr, "10.0.0.0/16") | stats sum(bytes) as egress by bin(5m)
stats count_distinct(dstPort) as ports by srcAddr, dstAddr | filter ports > 100 | sort ports desc
fields @timestamp, srcAddr, dstAddr, bytes, @logStream | filter bytes > 100000 | sort @timestamp desc, srcAddr | limit 50
parse @message "* * * * *" as v, acct, eni, src, rest | stats count(*) by eni | sort eni | limit 20
filter dstPort = 3389 and srcPort > 1024 | stats count(*) by srcAddr
filter isIpv4InSubnet(srcAddr, "10.0.1.0/24") and action = "REJECT" | stats count(*)
filter srcAddr = "10.0.1.10" | stats sum(bytes)
filter bytes >= 1000000 and packets < 100000 | stats count(*)
Q
ok "store and file give the same rows"

# Segments whose column statistics rule out the filter are not read.
out=$("$bin" query --data-dir "$data" -g /vpc/day --explain -o csv 'filter bytes > 1000000000000 | stats count(*) as n' 2>&1)
grep -q "0 segment(s) read" <<<"$out" || fail "no segment skipped by statistics: $out"
ok "segments skipped by column statistics"

# S3 objects: header lines, gzip, the AWS key layout.
"$bin" ingest --data-dir "$data" -g /vpc/s3 "$work/bucket" >/dev/null
n=$("$bin" query --data-dir "$data" -o csv 'SOURCE logGroups(namePrefix: ["/vpc/s3"]) | stats count(*) as n' | tail -1)
want=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['totals']['records'])" "$work/bucket.truth.json")
[ "$n" = "$want" ] || fail "S3 ingest: $n records, truth $want"
ok "S3 layout ingested ($n records)"

# Time range: only the first hour.
n=$("$bin" query --data-dir "$data" -g /vpc/day -o csv --start 2026-11-27T00:00:00Z --end 2026-11-27T00:59:59Z --explain 'stats count(*) as n' 2>"$work/explain" | tail -1)
m=$("$bin" query -f "$work/day.log" -o csv --start 2026-11-27T00:00:00Z --end 2026-11-27T00:59:59Z 'stats count(*) as n' | tail -1)
[ "$n" = "$m" ] || fail "time range: store $n, file $m"
grep -q "skipped by their time range" "$work/explain" || fail "explain: $(cat "$work/explain")"
grep -q "0 skipped" "$work/explain" && fail "no segment skipped for a one-hour range: $(cat "$work/explain")"
ok "time range ($n events in the first hour; $(cat "$work/explain"))"

# stdin, bad lines reported with their line numbers, --strict stops.
printf '2 1 eni-1 10.0.0.1 10.0.0.2 1 22 6 1 1 1700000000 1700000060 ACCEPT OK\nnot a record\n2 1 eni-1 10.0.0.1 10.0.0.300 1 22 6 1 1 1700000000 1700000060 ACCEPT OK\n' > "$work/bad.log"
out=$("$bin" ingest --data-dir "$data" -g /bad - < "$work/bad.log")
grep -q "^1 records stored" <<<"$out" || fail "stdin ingest: $out"
grep -q "stdin:3: field 'dstaddr'" <<<"$out" || fail "bad line not named: $out"
if "$bin" ingest --data-dir "$data" -g /bad2 --strict "$work/bad.log" 2>"$work/err"; then fail "--strict did not stop"; fi
grep -q "bad.log:2" "$work/err" || fail "--strict message: $(cat "$work/err")"
ok "bad lines rejected with file and line"

head -c 1000 "$(find "$work/bucket" -name '*.gz' | sort | sed -n 1p)" > "$work/broken.log.gz"
if "$bin" ingest --data-dir "$data" -g /broken "$work/broken.log.gz" 2>"$work/err"; then fail "broken gzip accepted"; fi
grep -q "broken.log.gz" "$work/err" || fail "broken gzip message: $(cat "$work/err")"
ok "a broken gzip is a clear error"

# (Outputs are captured first: grep -q closing a pipe early would fail it.)
out=$("$bin" groups list --data-dir "$data")
grep -q "/vpc/day" <<<"$out" || fail "groups list: $out"
out=$("$bin" streams list --data-dir "$data" -g /vpc/day)
grep -q -- "-all" <<<"$out" || fail "streams list"
out=$("$bin" check --data-dir "$data")
grep -q "no problems" <<<"$out" || fail "check: $out"
ok "groups, streams, check"

# A corrupt segment: check names it, queries skip it with a warning.
seg=$(find "$data" -name '*.seg' -size +20k | sort | sed -n 1p)
[ -n "$seg" ] || fail "no segment file found in $data"
python3 - "$seg" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[len(b) // 2] ^= 0xff
open(p, 'wb').write(bytes(b))
PY
if "$bin" check --data-dir "$data" > "$work/check"; then fail "check missed a corrupt segment"; fi
grep -q "PROBLEM" "$work/check" || fail "check output: $(cat "$work/check")"
"$bin" query --data-dir "$data" 'SOURCE logGroups(namePrefix: ["/"]) | fields @message, srcAddr, dstAddr, srcPort, dstPort, protocol, packets, bytes, action, logStatus, interfaceId, accountId, version, start, end | stats count(*)' 2>"$work/err" >/dev/null ||
  fail "a query over a corrupt segment failed: $(cat "$work/err")"
grep -q "warning: skipped .*$(basename "$seg")" "$work/err" || fail "no warning naming the corrupt segment: $(cat "$work/err")"
ok "a corrupt segment is reported"
echo "$passed passed, 0 failed"
