#!/usr/bin/env bash
# The questions users ask find what the generator injected: each scenario's
# ground truth (written by `flowlens generate`) is recovered by a Logs
# Insights query over the generated day, and the global totals match too.
set -euo pipefail
bin=$1
# shellcheck source=common.bash
source "$(dirname "$0")/common.bash"
"$bin" generate --records 150000 --seed 11 --scenarios all -o "$work/day.log" >/dev/null
python3 - "$bin" "$work/day.log" <<'PY'
import json, subprocess, sys
bin, day = sys.argv[1], sys.argv[2]
truth = json.load(open(day + ".truth.json"))
failures = 0

def query(q):
    out = subprocess.run([bin, "query", "-f", day, "--no-limit", "-o", "json", q],
                         check=True, capture_output=True, text=True).stdout
    return [{c["field"]: c["value"] for c in row} for row in json.loads(out)["results"]]

def check(name, got, want):
    global failures
    ok = str(got) == str(want)
    failures += not ok
    print(f"{'ok' if ok else 'MISMATCH'} {name}: flowlens {got}, truth {want}")

t = truth["totals"]
row = query("stats count(*) as n, sum(packets) as p, sum(bytes) as b")[0]
check("records", row["n"], t["records"])
check("packets", row["p"], t["packets"])
check("bytes", row["b"], t["bytes"])
for status, n in t["by_log_status"].items():
    check(f"logStatus {status}", query(f'filter logStatus = "{status}" | stats count(*) as n')[0]["n"], n)
check("REJECT", query('filter action = "REJECT" | stats count(*) as n')[0]["n"], t["by_action"]["REJECT"])

for s in truth["scenarios"]:
    f = s["forward"]
    cond = []
    if f["srcaddr"] != "*": cond.append(f'srcAddr = "{f["srcaddr"]}"')
    if f["dstaddr"] != "*": cond.append(f'dstAddr = "{f["dstaddr"]}"')
    if f["dstport"]: cond.append(f'dstPort = {f["dstport"]}')
    q = ("filter " + " and ".join(cond) + " | stats count(*) as n, sum(packets) as p, sum(bytes) as b, "
         "count_distinct(dstPort) as ports, count_distinct(dstAddr) as hosts")
    r = query(q)[0]
    check(f'{s["name"]} records', r["n"], f["records"])
    check(f'{s["name"]} packets', r["p"], f["packets"])
    check(f'{s["name"]} bytes', r["b"], f["bytes"])
    check(f'{s["name"]} distinct ports', r["ports"], f["distinct_dstports"])
    check(f'{s["name"]} distinct hosts', r["hosts"], f["distinct_dstaddrs"])

# The port scanner is the top source of REJECTed traffic by distinct destination ports
# (servers answering clients reach many ephemeral ports too, but are accepted).
scan = next(s for s in truth["scenarios"] if s["name"] == "port-scan")
top = query("filter action = \"REJECT\" | stats count_distinct(dstPort) as ports by srcAddr | sort ports desc | limit 1")[0]
check("top port scanner", top["srcAddr"], scan["forward"]["srcaddr"])
print(f"{failures == 0 and 'all' or failures} checks {'passed' if failures == 0 else 'failed'}")
sys.exit(1 if failures else 0)
PY
