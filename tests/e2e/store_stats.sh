#!/usr/bin/env bash
# Query statistics on the store: recordsScanned and bytesScanned of a store
# query equal those of the same query on the file it was ingested from (bytes
# of the events' messages plus one line end each, as the file scan counts its
# lines), whether the query reads @message or only typed columns, and whatever
# the leading filter leaves.
set -euo pipefail
bin=$1
# shellcheck source=common.bash
source "$(dirname "$0")/common.bash"
data="$work/data"

"$bin" generate --records 150000 --seed 9 -o "$work/day.log" >/dev/null
"$bin" ingest --data-dir "$data" -g /vpc/day "$work/day.log" >/dev/null
size=$(stat -c %s "$work/day.log")

# "recordsScanned bytesScanned" of a query's JSON output.
scanned() {
  /usr/bin/python3 -c 'import json,sys; s=json.load(sys.stdin)["statistics"]; print(int(s["recordsScanned"]), int(s["bytesScanned"]))'
}

while IFS= read -r q; do
  a=$("$bin" query -o json -f "$work/day.log" "$q" | scanned)
  b=$("$bin" query -o json --data-dir "$data" -g /vpc/day "$q" | scanned)
  [ "$a" = "150000 $size" ] || fail "file scan of $size bytes reports '$a' for: $q"
  [ "$a" = "$b" ] || fail "file '$a' and store '$b' statistics differ for: $q"
done <<'Q'
stats count(*) by action
filter action = "REJECT" | stats count(*) as n by srcAddr | sort n desc | limit 5
filter dstPort = 22 or dstPort = 3389 | stats count(*)
stats sum(bytes) by bin(5m)
fields @message | sort @message | limit 3
parse @message "* * * * *" as v, acct, eni, src, rest | stats count(*) by eni
Q
ok "bytesScanned and recordsScanned of the store equal the file's"

# The newest events only: the store reads the newest segment(s), not the day.
read -r records _ < <("$bin" query -o json --data-dir "$data" -g /vpc/day 'fields @message | limit 3' | scanned)
[ "$records" -lt 150000 ] || fail "limit 3 on the store scanned $records records"
ok "limit 3 on the store scans $records of 150000 records"
echo "passed $passed"
