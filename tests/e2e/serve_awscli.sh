#!/usr/bin/env bash
# `flowlens serve` driven by the real aws CLI (Debian awscli 2.9.19): groups
# and streams with prefixes and pagination, put-log-events with rejected
# events, get-log-events, filter-log-events, Logs Insights queries checked
# against `flowlens query` on the same lines, stop-query, describe-queries,
# get-log-record, retention, saved queries, the errors users see (wrong
# secret, unknown key, missing group), SIGTERM and kill -9 durability.
set -euo pipefail
bin=$1
root=$2
# shellcheck source=serve_common.bash
source "$root/tests/e2e/serve_common.bash"
PY=/usr/bin/python3

write_credentials
cat >>"$work/credentials" <<'C'
[bob]
aws_access_key_id = AKIABOB00000000000000
aws_secret_access_key = bob-secret
C
# The client side: the same users, one with a wrong secret, one unknown.
cat >"$work/client-credentials" <<'C'
[alice]
aws_access_key_id = AKIAALICE0000000000
aws_secret_access_key = alice/secret/key+0000000000000000000000
[bob]
aws_access_key_id = AKIABOB00000000000000
aws_secret_access_key = bob-secret
[wrongsecret]
aws_access_key_id = AKIAALICE0000000000
aws_secret_access_key = not-the-secret
[stranger]
aws_access_key_id = AKIAUNKNOWN000000000
aws_secret_access_key = whatever
C
printf '[default]\nregion = us-east-1\noutput = json\n' >"$work/config"

start_server() { start_server_common --query-threads 1 "$@"; }
awsl() {  # aws logs as PROFILE
  local profile=$1
  shift
  AWS_SHARED_CREDENTIALS_FILE="$work/client-credentials" AWS_CONFIG_FILE="$work/config" \
    AWS_DEFAULT_REGION=us-east-1 AWS_PROFILE="$profile" AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true \
    timeout 60 /usr/bin/aws --endpoint-url "http://127.0.0.1:$port" --output json logs "$@"
}
aws_ok() { awsl alice "$@" 2>"$work/err" || fail "aws logs $*: $(cat "$work/err")"; }
# Runs a command that must fail with exit 254 and the given error code.
aws_err() {
  local code=$1 profile=$2
  shift 2
  local rc=0
  awsl "$profile" "$@" >/dev/null 2>"$work/err" || rc=$?
  [ "$rc" = 254 ] || fail "aws logs $* as $profile: exit $rc, want 254: $(cat "$work/err")"
  grep -q "($code)" "$work/err" || fail "aws logs $*: want $code, got: $(cat "$work/err")"
}
jq_py() { $PY -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

start_server

# --- log groups: create, duplicates, prefixes, pagination --------------------
aws_ok create-log-group --log-group-name /vpc/flowlogs
aws_err ResourceAlreadyExistsException alice create-log-group --log-group-name /vpc/flowlogs
# 55 more groups, created quickly with boto3 (each aws CLI start costs a second or two).
$PY - "$port" <<'P' || fail "creating groups with boto3"
import sys, boto3
logs = boto3.client("logs", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1",
                    aws_access_key_id="AKIAALICE0000000000",
                    aws_secret_access_key="alice/secret/key+0000000000000000000000")
for i in range(55):
    logs.create_log_group(logGroupName=f"pg-{i:02d}")
P
n=$(aws_ok describe-log-groups --log-group-name-prefix pg- | jq_py 'len(d["logGroups"])')
[ "$n" = 55 ] || fail "describe-log-groups over 2 pages: $n groups"
n=$(aws_ok describe-log-groups --log-group-name-prefix pg- --page-size 20 |
  jq_py 'len(set(g["logGroupName"] for g in d["logGroups"]))')
[ "$n" = 55 ] || fail "describe-log-groups in pages of 20: $n groups"
out=$(aws_ok describe-log-groups --log-group-name-prefix pg- --limit 5)
[ "$(jq_py '",".join(g["logGroupName"] for g in d["logGroups"])' <<<"$out")" = \
  "pg-00,pg-01,pg-02,pg-03,pg-04" ] || fail "--limit 5: $out"
jq_py '"nextToken" in d' <<<"$out" | grep -q True || fail "--limit shows no nextToken"
out=$(aws_ok describe-log-groups --log-group-name-prefix /vpc)
jq_py 'd["logGroups"][0]["arn"]' <<<"$out" |
  grep -qx 'arn:aws:logs:us-east-1:000000000000:log-group:/vpc/flowlogs:\*' || fail "arn: $out"
jq_py '"retentionInDays" in d["logGroups"][0]' <<<"$out" | grep -q False ||
  fail "retentionInDays shown without a policy"
aws_err InvalidParameterException alice create-log-group --log-group-name 'bad name!'
aws_err ResourceNotFoundException alice delete-log-group --log-group-name NOSUCH
aws_ok delete-log-group --log-group-name pg-54
n=$(aws_ok describe-log-groups --log-group-name-prefix pg- | jq_py 'len(d["logGroups"])')
[ "$n" = 54 ] || fail "after delete-log-group: $n"
ok "log groups: create, duplicate, prefix, pagination (auto, page size, --limit), delete, errors"

# --- streams ----------------------------------------------------------------
for s in eni-a-all eni-b-all other; do
  aws_ok create-log-stream --log-group-name /vpc/flowlogs --log-stream-name $s
done
aws_err ResourceAlreadyExistsException alice create-log-stream --log-group-name /vpc/flowlogs \
  --log-stream-name eni-a-all
aws_err ResourceNotFoundException alice create-log-stream --log-group-name NOSUCH \
  --log-stream-name x
n=$(aws_ok describe-log-streams --log-group-name /vpc/flowlogs --log-stream-name-prefix eni- |
  jq_py '",".join(s["logStreamName"] for s in d["logStreams"])')
[ "$n" = "eni-a-all,eni-b-all" ] || fail "describe-log-streams prefix: $n"
n=$(aws_ok describe-log-streams --log-group-name /vpc/flowlogs --descending --page-size 1 |
  jq_py '",".join(s["logStreamName"] for s in d["logStreams"])')
[ "$n" = "other,eni-b-all,eni-a-all" ] || fail "describe-log-streams descending, pages of 1: $n"
aws_err InvalidParameterException alice describe-log-streams --log-group-name /vpc/flowlogs \
  --order-by LastEventTime --log-stream-name-prefix eni
ok "log streams: create, duplicate, prefix, descending pages, LastEventTime+prefix refused"

# --- put-log-events: flow-log lines, rejected too old / too new --------------
now=$(date +%s)
"$bin" generate --records 3000 --seed 11 --scenarios none --start $((now - 23 * 3600)) -o "$work/gen.log" >/dev/null
# Events: timestamp = record start x 1000 (as the flow-logs agent does),
# sorted, only what lies in [now - 23h, now + 1h].
$PY - "$work/gen.log" "$work" "$now" <<'P'
import json, sys
src, work, now = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = []
for line in open(src):
    f = line.split()
    if len(f) < 14 or not f[10].isdigit():
        continue
    ts = int(f[10]) * 1000
    if (now - 23 * 3600) * 1000 <= ts <= (now + 3600) * 1000:
        lines.append((ts, line.rstrip("\n")))
lines.sort(key=lambda x: x[0])
with open(work + "/day.log", "w") as out:
    for ts, l in lines:
        out.write(l + "\n")
# Batches of up to 1000 events for eni-a-all, plus one batch with a too-old
# and a too-new event around three good ones for eni-b-all.
for i in range(0, len(lines), 1000):
    json.dump([{"timestamp": ts, "message": l} for ts, l in lines[i:i + 1000]],
              open(f"{work}/batch-{i // 1000:03d}.json", "w"))
edge = [{"timestamp": (now - 15 * 86400) * 1000, "message": "too old"}]
edge += [{"timestamp": (now - 60 + k) * 1000, "message": f"fresh event {k}"} for k in range(3)]
edge += [{"timestamp": (now + 3 * 3600) * 1000, "message": "too new"}]
json.dump(edge, open(work + "/edge.json", "w"))
# What the group holds, for `flowlens query -f` to answer the same questions.
with open(work + "/group.log", "w") as out:
    out.writelines(l + "\n" for ts, l in lines)
    out.writelines(e["message"] + "\n" for e in edge[1:4])
P
total=$(wc -l <"$work/day.log")
[ "$total" -gt 2000 ] || fail "only $total generated events in range"
for b in "$work"/batch-*.json; do
  aws_ok put-log-events --log-group-name /vpc/flowlogs --log-stream-name eni-a-all \
    --log-events "file://$b" >/dev/null
done
out=$(aws_ok put-log-events --log-group-name /vpc/flowlogs --log-stream-name eni-b-all \
  --log-events "file://$work/edge.json")
[ "$(jq_py 'd["rejectedLogEventsInfo"]' <<<"$out")" = \
  "{'tooNewLogEventStartIndex': 4, 'tooOldLogEventEndIndex': 1}" ] || fail "rejected: $out"
aws_err ResourceNotFoundException alice put-log-events --log-group-name /vpc/flowlogs \
  --log-stream-name nosuch --log-events "file://$work/edge.json"
printf '[{"timestamp": %d, "message": "b"}, {"timestamp": %d, "message": "a"}]' \
  $((now * 1000)) $((now * 1000 - 5)) >"$work/unsorted.json"
aws_err InvalidParameterException alice put-log-events --log-group-name /vpc/flowlogs \
  --log-stream-name other --log-events "file://$work/unsorted.json"
ok "put-log-events: $total flow-log events, rejectedLogEventsInfo, missing stream, unsorted batch"

# --- get-log-events ------------------------------------------------------------
out=$(aws_ok get-log-events --log-group-name /vpc/flowlogs --log-stream-name eni-b-all \
  --start-from-head)
[ "$(jq_py '"|".join(e["message"] for e in d["events"])' <<<"$out")" = \
  "fresh event 0|fresh event 1|fresh event 2" ] || fail "get-log-events: $out"
# Paging forward through the flow-log stream 500 at a time until the token repeats.
$PY - "$work" "$port" <<'P' || fail "get-log-events paging"
import json, os, subprocess, sys
work, port = sys.argv[1], sys.argv[2]
env = dict(os.environ, AWS_SHARED_CREDENTIALS_FILE=work + "/client-credentials",
           AWS_CONFIG_FILE=work + "/config", AWS_PROFILE="alice", AWS_PAGER="",
           AWS_DEFAULT_REGION="us-east-1")
def call(*args):
    out = subprocess.run(["/usr/bin/aws", "--endpoint-url", f"http://127.0.0.1:{port}", "logs",
                          "get-log-events", "--log-group-name", "/vpc/flowlogs",
                          "--log-stream-name", "eni-a-all", "--limit", "500", *args],
                         env=env, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(out.stdout)
want = [l.rstrip("\n") for l in open(work + "/day.log")]
got, token = [], None
for _ in range(100):
    d = call(*(["--next-token", token] if token else ["--start-from-head"]))
    got += [e["message"] for e in d["events"]]
    if d["nextForwardToken"] == token:
        break
    token = d["nextForwardToken"]
assert sorted(got) == sorted(want), (len(got), len(want))
# The newest page without a token (startFromHead false), then backward.
d = call()
assert [e["message"] for e in d["events"]] == got[-500:], "newest page"
d2 = call("--next-token", d["nextBackwardToken"])
assert [e["message"] for e in d2["events"]] == got[-1000:-500], "backward page"
P
ok "get-log-events: start from head, forward paging to the end, newest page, backward token"

# --- filter-log-events: flow-log patterns, terms, streams, pages ---------------
fle_count() {  # PATTERN [more args] -> number of events (the CLI follows nextToken)
  local p=$1
  shift
  aws_ok filter-log-events --log-group-name /vpc/flowlogs --filter-pattern "$p" "$@" |
    jq_py 'len(d["events"])'
}
want=$("$bin" query -f "$work/group.log" -o csv 'filter dstPort = 22 | stats count(*) as n' | tail -1)
got=$(fle_count '[version, account, eni, source, destination, srcport, destport="22", protocol, packets, bytes, windowstart, windowend, action, flowlogstatus]')
[ "$got" = "$want" ] || fail "filter-log-events destport=22: $got, flowlens query: $want"
want=$("$bin" query -f "$work/group.log" -o csv 'filter action = "REJECT" and srcPort > 1024 | stats count(*) as n' | tail -1)
got=$(fle_count '[..., srcport > 1024, destport, protocol, packets, bytes, start, end, action = REJECT, status]')
[ "$got" = "$want" ] || fail "filter-log-events '...' pattern: $got, flowlens query: $want"
got=$(fle_count 'REJECT' --page-size 40)
want=$(grep -c REJECT "$work/group.log")
[ "$got" = "$want" ] || fail "filter-log-events term in pages of 40: $got, grep: $want"
got=$(fle_count '' --log-stream-names eni-b-all)
[ "$got" = 3 ] || fail "filter-log-events one stream: $got"
got=$(fle_count 'fresh -"event 1"' --log-stream-name-prefix eni-)
[ "$got" = 2 ] || fail "filter-log-events exclusion and prefix: $got"
out=$(aws_ok filter-log-events --log-group-name /vpc/flowlogs --log-stream-names eni-b-all \
  --start-time $(((now - 59) * 1000)) --end-time $(((now - 58) * 1000)))
[ "$(jq_py '"|".join(e["message"] for e in d["events"])' <<<"$out")" = "fresh event 1|fresh event 2" ] ||
  fail "filter-log-events time range: $out"
jq_py 'all(len(e["eventId"]) == 56 for e in d["events"])' <<<"$out" | grep -q True || fail "eventId: $out"
aws_err InvalidParameterException alice filter-log-events --log-group-name /vpc/flowlogs \
  --filter-pattern '[a, b'
n=$(AWS_SHARED_CREDENTIALS_FILE="$work/client-credentials" AWS_CONFIG_FILE="$work/config" \
  AWS_DEFAULT_REGION=us-east-1 AWS_PROFILE=alice AWS_PAGER="" timeout 60 /usr/bin/aws \
  --endpoint-url "http://127.0.0.1:$port" logs tail /vpc/flowlogs --since 2d \
  --filter-pattern fresh --format short | grep -c "fresh event")
[ "$n" = 3 ] || fail "aws logs tail: $n lines"
ok "filter-log-events: space-delimited flow-log patterns equal flowlens query, terms, streams, pages, time range, bad pattern; aws logs tail"

# --- Logs Insights: start-query / get-query-results vs flowlens query --------
run_query() {  # QUERY -> results JSON once Complete
  local qid
  qid=$(aws_ok start-query --log-group-name /vpc/flowlogs --start-time $((now - 2 * 86400)) \
    --end-time $((now + 86400)) --query-string "$1" | jq_py 'd["queryId"]')
  for _ in $(seq 1 300); do
    aws_ok get-query-results --query-id "$qid" >"$work/qr.json"
    st=$(jq_py 'd["status"]' <"$work/qr.json")
    [ "$st" = Complete ] && { echo "$qid"; return 0; }
    [ "$st" = Running ] || [ "$st" = Scheduled ] || fail "query status $st"
    sleep 0.1
  done
  fail "query did not complete"
}
to_csv() {  # results JSON on stdin -> CSV rows of FIELDS (sorted)
  $PY -c '
import json, sys
fields = sys.argv[1].split(",")
for row in json.load(sys.stdin)["results"]:
    m = {c["field"]: c["value"] for c in row}
    print(",".join(m.get(f, "") for f in fields))' "$1" | sort
}
while IFS='|' read -r fields q; do
  run_query "$q" >/dev/null
  got=$(to_csv "$fields" <"$work/qr.json")
  want=$("$bin" query -f "$work/group.log" -o csv --no-limit "$q" | tail -n +2 | sort)
  [ "$got" = "$want" ] || fail "query '$q': server and flowlens query differ"$'\n'"$got"$'\n---\n'"$want"
done <<'Q'
action,n|stats count(*) as n by action
srcAddr,bytes|stats sum(bytes) as bytes by srcAddr | sort bytes desc | limit 10
dstPort,n|filter dstPort = 22 or dstPort = 3389 | stats count(*) as n by dstPort
n|filter action = "REJECT" | stats count(*) as n
Q
jq_py 'int(d["statistics"]["recordsScanned"])' <"$work/qr.json" | grep -qx "$((total + 3))" ||
  fail "recordsScanned: $(cat "$work/qr.json")"
qid=$(run_query 'fields @timestamp, srcAddr, @message | sort @timestamp desc | limit 3')
ptr=$(jq_py '[c["value"] for c in d["results"][0] if c["field"] == "@ptr"][0]' <"$work/qr.json")
msg=$(jq_py '[c["value"] for c in d["results"][0] if c["field"] == "@message"][0]' <"$work/qr.json")
out=$(aws_ok get-log-record --log-record-pointer "$ptr")
[ "$(jq_py 'd["logRecord"]["@message"]' <<<"$out")" = "$msg" ] || fail "get-log-record: $out"
[ "$(jq_py 'd["logRecord"]["srcAddr"]' <<<"$out")" = "$(cut -d' ' -f4 <<<"$msg")" ] ||
  fail "get-log-record srcAddr: $out"
aws_err InvalidParameterException alice stop-query --query-id "$qid"
aws_err ResourceNotFoundException alice get-query-results --query-id nosuch
aws_err MalformedQueryException alice start-query --log-group-name /vpc/flowlogs --start-time 0 \
  --end-time 1 --query-string 'stats count(*) by'
aws_err ResourceNotFoundException alice start-query --log-group-name NOSUCH --start-time 0 \
  --end-time 1 --query-string 'stats count(*)'
n=$(aws_ok describe-queries --log-group-name /vpc/flowlogs --status Complete |
  jq_py 'len(d["queries"])')
[ "$n" = 5 ] || fail "describe-queries: $n complete queries"
ok "queries: 4 answers equal flowlens query's, statistics, @ptr -> get-log-record, errors, describe-queries"

# --- retention, saved queries ---------------------------------------------------
aws_ok put-retention-policy --log-group-name /vpc/flowlogs --retention-in-days 7
n=$(aws_ok describe-log-groups --log-group-name-prefix /vpc | jq_py 'd["logGroups"][0]["retentionInDays"]')
[ "$n" = 7 ] || fail "retention: $n"
aws_err InvalidParameterException alice put-retention-policy --log-group-name /vpc/flowlogs \
  --retention-in-days 8
aws_ok delete-retention-policy --log-group-name /vpc/flowlogs
n=$(aws_ok describe-log-groups --log-group-name-prefix /vpc | jq_py '"retentionInDays" in d["logGroups"][0]')
[ "$n" = False ] || fail "retention after delete"
id=$(aws_ok put-query-definition --name "ssh/rejects" --log-group-names /vpc/flowlogs \
  --query-string 'filter dstPort = 22 | stats count(*)' | jq_py 'd["queryDefinitionId"]')
aws_ok put-query-definition --name "top" --query-string 'stats count(*) by srcAddr' >/dev/null
out=$(aws_ok describe-query-definitions --query-definition-name-prefix ssh)
[ "$(jq_py 'd["queryDefinitions"][0]["queryDefinitionId"]' <<<"$out")" = "$id" ] || fail "$out"
aws_ok put-query-definition --query-definition-id "$id" --name "ssh/rejects" \
  --query-string 'filter dstPort = 22 and action = "REJECT" | stats count(*)' >/dev/null
n=$(aws_ok describe-query-definitions | jq_py 'len(d["queryDefinitions"])')
[ "$n" = 2 ] || fail "query definitions after update: $n"
aws_ok delete-query-definition --query-definition-id "$id" >/dev/null
aws_err ResourceNotFoundException alice delete-query-definition --query-definition-id "$id"
ok "retention policy put/delete/bad value; query definitions put/update/describe/delete"

# --- authentication ---------------------------------------------------------------
aws_err InvalidSignatureException wrongsecret describe-log-groups
aws_err UnrecognizedClientException stranger describe-log-groups
n=$(awsl bob describe-log-groups --log-group-name-prefix /vpc | jq_py 'len(d["logGroups"])')
[ "$n" = 1 ] || fail "second user"
ok "auth: wrong secret -> InvalidSignatureException (254), unknown key -> UnrecognizedClientException, a second user"

# --- durability: SIGTERM, then kill -9 right after acknowledged puts -------------
stop_server
grep -q "stopped; store flushed" "$work/server.log" || fail "no clean stop"
start_server
n=$(aws_ok describe-query-definitions | jq_py 'len(d["queryDefinitions"])')
[ "$n" = 1 ] || fail "saved queries after restart: $n"
for k in $(seq 1 5); do
  printf '[{"timestamp": %d, "message": "durable %d"}]' $((now * 1000 + k)) "$k" >"$work/d.json"
  aws_ok put-log-events --log-group-name /vpc/flowlogs --log-stream-name other \
    --log-events "file://$work/d.json" >/dev/null
done
kill -9 "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=
start_server
n=$(aws_ok get-log-events --log-group-name /vpc/flowlogs --log-stream-name other \
  --start-from-head | jq_py '" ".join(e["message"].split()[1] for e in d["events"])')
[ "$n" = "1 2 3 4 5" ] || fail "after kill -9: $n"
n=$(aws_ok get-log-events --log-group-name /vpc/flowlogs --log-stream-name eni-a-all \
  --start-from-head | jq_py 'len(d["events"])')
[ "$n" -gt 0 ] || fail "flow-log events after restarts"
stop_server
# The store is the same one `flowlens query` reads.
n=$("$bin" query --data-dir "$work/data" -g /vpc/flowlogs -o csv 'stats count(*) as n' | tail -1)
[ "$n" = $((total + 3 + 5)) ] || fail "flowlens query on the server's store: $n"
ok "SIGTERM exits 0 after a flush; every acknowledged event survives kill -9"

echo "$passed groups of checks passed"
