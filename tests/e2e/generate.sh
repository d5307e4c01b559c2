#!/usr/bin/env bash
# End-to-end test of `flowlens generate`: plain and S3 outputs, the AWS key
# layout, gzip objects with a header line, byte-identical reruns, and clear
# errors (exit 2) for bad flags.
# Usage: generate.sh <flowlens-binary> <repo-root> <shared-data-dir>
set -u
BIN=$(realpath "$1")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
HEADER="version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"

# Plain output: N lines, no header, truth beside it, nothing on stderr (not a terminal).
mkdir -p "$T/x" "$T/y"
(cd "$T/x" && "$BIN" generate --records 20000 --seed 1 -o a.log >/dev/null 2>"$T/err") || fail "plain run exited $?"
[ -s "$T/err" ] && fail "plain run wrote to stderr: $(cat "$T/err")"
[ "$(wc -l <"$T/x/a.log")" -eq 20000 ] || fail "plain output has $(wc -l <"$T/x/a.log") lines"
[ -s "$T/x/a.log.truth.json" ] || fail "no truth file"
head -1 "$T/x/a.log" | grep -q '^2 123456789012 eni-' || fail "first line is not a default-format record"
grep -q '"top_sources_by_bytes"' "$T/x/a.log.truth.json" || fail "truth lacks totals"

# Same arguments, same bytes (records and truth); another seed, other bytes.
(cd "$T/y" && "$BIN" generate --records 20000 --seed 1 -o a.log >/dev/null) || fail "rerun failed"
cmp -s "$T/x/a.log" "$T/y/a.log" || fail "same arguments gave different records"
cmp -s "$T/x/a.log.truth.json" "$T/y/a.log.truth.json" || fail "same arguments gave different truth"
"$BIN" generate --records 20000 --seed 2 -o "$T/c.log" >/dev/null || fail "seed 2 run failed"
cmp -s "$T/x/a.log" "$T/c.log" && fail "different seeds gave the same records"

# S3 output: gzip objects under the AWS key layout, each starting with the header.
"$BIN" generate --records 20000 --seed 1 --s3 -o "$T/s3/" >/dev/null || fail "s3 run exited $?"
[ -s "$T/s3.truth.json" ] || fail "no truth file for the s3 run (expected PATH.truth.json)"
KEY_RE='^AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/27/123456789012_vpcflowlogs_us-east-1_fl-[0-9a-f]{17}_20261127T[0-2][0-9][0-5][05]Z_[0-9a-f]{8}\.log\.gz$'
N_OBJ=0
TOTAL=0
while IFS= read -r key; do
  N_OBJ=$((N_OBJ + 1))
  echo "$key" | grep -Eq "$KEY_RE" || fail "bad key: $key"
  gzip -t "$T/s3/$key" || fail "not gzip: $key"
  [ "$(zcat "$T/s3/$key" | head -1)" = "$HEADER" ] || fail "no header line in $key"
  TOTAL=$((TOTAL + $(zcat "$T/s3/$key" | wc -l) - 1))
done < <(cd "$T/s3" && find . -type f | sed 's|^\./||' | sort)
[ "$N_OBJ" -ge 200 ] || fail "only $N_OBJ objects for a day of traffic"
[ "$TOTAL" -eq 20000 ] || fail "s3 objects hold $TOTAL records"
"$BIN" generate --records 20000 --seed 1 --s3 -o "$T/s3b" >/dev/null || fail "s3 rerun failed"
diff -r "$T/s3" "$T/s3b" >/dev/null || fail "s3 reruns differ"
# The S3 objects hold the same records as the plain file.
(cd "$T/s3" && find . -type f | sort | xargs zcat | grep -v '^version ') | cmp -s - "$T/x/a.log" ||
  fail "s3 records differ from the plain records"

# A custom format: its header line, and version = the highest field version.
"$BIN" generate --records 20000 --seed 3 --s3 --format '${srcaddr} ${dstaddr} ${pkt-srcaddr} ${bytes} ${flow-direction}' \
  --start 2026-12-31T22:00:00Z -o "$T/custom" >/dev/null || fail "custom s3 run failed"
FIRST=$(cd "$T/custom" && find . -type f | sort | sed -n 1p)
[ "$(zcat "$T/custom/$FIRST" | head -1)" = "srcaddr dstaddr pkt-srcaddr bytes flow-direction" ] ||
  fail "custom header: $(zcat "$T/custom/$FIRST" | head -1)"
(cd "$T/custom" && find . -type f | grep -q 'AWSLogs/123456789012/vpcflowlogs/us-east-1/2027/01/01/') ||
  fail "--start did not move the objects into the next day"

# Bad flags: exit 2 with a message on stderr.
expect_usage_error() {
  local what=$1 pattern=$2
  shift 2
  "$BIN" generate "$@" >/dev/null 2>"$T/err"
  local rc=$?
  [ "$rc" -eq 2 ] || fail "$what: exit $rc, expected 2"
  grep -qi -- "$pattern" "$T/err" || fail "$what: stderr lacks '$pattern': $(cat "$T/err")"
}
expect_usage_error "records 0" "records" --records 0 --seed 1 -o "$T/e.log"
expect_usage_error "records not a number" "records" --records lots --seed 1 -o "$T/e.log"
expect_usage_error "no seed" "seed" --records 10 -o "$T/e.log"
expect_usage_error "unknown scenario" "bogus" --records 20000 --seed 1 --scenarios port-scan,bogus -o "$T/e.log"
expect_usage_error "unknown field" "unknown flow-log field" --records 10 --seed 1 --scenarios none \
  --format '${srcaddr} ${bogus}' -o "$T/e.log"
expect_usage_error "bad start" "start" --records 10 --seed 1 --start tomorrow -o "$T/e.log"
expect_usage_error "unwritable output" "cannot write" --records 10 --seed 1 --scenarios none \
  -o "$T/no/such/dir/e.log"
expect_usage_error "too few records for the scenarios" "scenarios" --records 100 --seed 1 -o "$T/e.log"
"$BIN" generate --records 10 --seed 1 --scenarios none -o "$T/ten.log" >/dev/null || fail "10 records without scenarios"
[ "$(wc -l <"$T/ten.log")" -eq 10 ] || fail "10 records: $(wc -l <"$T/ten.log") lines"

# --help describes every flag.
HELP=$("$BIN" generate --help) || fail "--help exited non-zero"
for flag in --records --seed --format --scenarios --s3 --start --output port-scan nat-heavy; do
  echo "$HELP" | grep -q -- "$flag" || fail "--help does not mention $flag"
done

[ "$FAILS" -eq 0 ] && echo "generate.sh: all checks passed"
exit "$FAILS"
