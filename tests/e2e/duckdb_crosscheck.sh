#!/usr/bin/env bash
# flowlens and DuckDB (from npm) answer the queries users bring on the same
# generated day; every group must agree.
set -euo pipefail
bin=$1
root=$2
# shellcheck source=common.bash
source "$(dirname "$0")/common.bash"
if [ ! -d "$root/tests/peer/node_modules/@duckdb/node-api" ]; then
  echo "DuckDB for node is missing: run scripts/setup (it installs tests/peer's npm packages)" >&2
  exit 1
fi
"$bin" generate --records 300000 --seed 7 --scenarios all -o "$work/day.log"
"$bin" generate --records 100000 --seed 8 --scenarios all -o "$work/custom.log" \
  --format '${region} ${vpc-id} ${az-id} ${subnet-id} ${instance-id} ${interface-id} ${flow-direction} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${pkt-srcaddr} ${pkt-dstaddr} ${pkt-src-aws-service} ${pkt-dst-aws-service} ${traffic-path} ${packets} ${bytes} ${action}'
node "$root/tests/peer/duckdb_crosscheck.mjs" "$bin" "$work/day.log" "$work/custom.log"
