// Cross-checks flowlens's answers with DuckDB, a second engine, on the same
// generated flow logs: the queries users bring (issue 3), without their
// `limit` so that every group is compared, not only a top-N whose ties could
// be broken either way.
//
// Usage: node duckdb_crosscheck.mjs FLOWLENS_BIN DEFAULT_FORMAT_FILE CUSTOM_FORMAT_FILE
import { DuckDBInstance } from '@duckdb/node-api';
import { execFileSync } from 'node:child_process';

const [bin, defaultFile, customFile] = process.argv.slice(2);

const defaultColumns = {
  version: 'VARCHAR', account_id: 'VARCHAR', interface_id: 'VARCHAR', srcaddr: 'VARCHAR',
  dstaddr: 'VARCHAR', srcport: 'BIGINT', dstport: 'BIGINT', protocol: 'BIGINT',
  packets: 'BIGINT', bytes: 'BIGINT', start: 'BIGINT', end_: 'BIGINT', action: 'VARCHAR',
  log_status: 'VARCHAR',
};
const customNames = ['region', 'vpc_id', 'az_id', 'subnet_id', 'instance_id', 'interface_id',
  'flow_direction', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'pkt_srcaddr', 'pkt_dstaddr',
  'pkt_src_aws_service', 'pkt_dst_aws_service', 'traffic_path', 'packets', 'bytes', 'action'];

function sqlColumns(obj) {
  return '{' + Object.entries(obj).map(([k, v]) => `'${k}': '${v}'`).join(', ') + '}';
}

// [name, flowlens query on the default file (or custom), SQL, file kind]
const cases = [
  ['top pairs by packets',
    'stats sum(packets) as packetsTransferred by srcAddr, dstAddr',
    'select srcaddr, dstaddr, sum(packets) from flows group by all', 'default'],
  ['top pairs by bytes',
    'stats sum(bytes) as BytesSent by srcAddr, dstAddr',
    'select srcaddr, dstaddr, sum(bytes) from flows group by all', 'default'],
  ['rejections by source',
    'filter action="REJECT" | stats count(*) as numRejections by srcAddr',
    "select srcaddr, count(*) from flows where action = 'REJECT' group by all", 'default'],
  ['SSH and RDP by source and action',
    'filter dstPort = 22 or dstPort = 3389 | stats count(*) by srcAddr, action',
    'select srcaddr, action, count(*) from flows where dstport = 22 or dstport = 3389 group by all',
    'default'],
  ['egress by 5 minutes',
    'filter isIpv4InSubnet(srcAddr, "10.0.0.0/16") and not isIpv4InSubnet(dstAddr, "10.0.0.0/16") | stats sum(bytes) as egress by bin(5m)',
    `select strftime(to_timestamp((start // 300) * 300), '%Y-%m-%d %H:%M:%S.000'), sum(bytes)
       from flows
      where regexp_matches(srcaddr, '^10\\.0\\.[0-9]+\\.[0-9]+$')
        and not coalesce(regexp_matches(dstaddr, '^10\\.0\\.[0-9]+\\.[0-9]+$'), false)
      group by all`, 'default'],
  ['port scanners',
    'stats count_distinct(dstPort) as ports by srcAddr, dstAddr | filter ports > 100',
    'select srcaddr, dstaddr, count(distinct dstport) as ports from flows group by all having ports > 100',
    'default'],
  ['ingress rejections by five fields (custom format, parse)',
    `parse @message "* * * * * * * * * * * * * * * * * * *" as region, vpc_id, az_id, subnet_id, instance_id, interface_id, flow_direction, srcaddr, dstaddr, srcport, dstport, pkt_srcaddr, pkt_dstaddr, pkt_src_aws_service, pkt_dst_aws_service, traffic_path, packets, bytes, action
| filter action="REJECT"
| filter (srcaddr not like "162.142.125.") and (flow_direction like "ingress")
| stats count(action) as redjects by flow_direction, srcaddr, dstaddr, pkt_srcaddr, pkt_dstaddr`,
    `select flow_direction, srcaddr, dstaddr, pkt_srcaddr, pkt_dstaddr, count(action) from custom
      where action = 'REJECT' and not contains(srcaddr, '162.142.125.')
        and contains(flow_direction, 'ingress')
      group by all`, 'custom'],
];

function canon(v) {
  if (v === null || v === undefined) return 'NULL';
  return String(v);
}

const instance = await DuckDBInstance.create(':memory:');
const db = await instance.connect();
await db.run(`create view flows as select * from read_csv('${defaultFile}', delim=' ', header=false,
  nullstr='-', columns=${sqlColumns(defaultColumns)})`);
const customCols = Object.fromEntries(customNames.map((n) => [n, 'VARCHAR']));
await db.run(`create view custom as select * from read_csv('${customFile}', delim=' ',
  header=false, all_varchar=true, columns=${sqlColumns(customCols)})`);

let failures = 0;
for (const [name, query, sql, kind] of cases) {
  const file = kind === 'default' ? defaultFile : customFile;
  const out = execFileSync(bin, ['query', '-f', file, '--no-limit', '-o', 'json', query],
    { maxBuffer: 1 << 30 }).toString();
  const parsed = JSON.parse(out);
  const flowlensRows = parsed.results.map((row) => {
    // Missing values are left out of a result row; fill them by column order.
    const byField = Object.fromEntries(row.map((c) => [c.field, c.value]));
    return byField;
  });
  const reader = await db.runAndReadAll(sql);
  const duckRows = reader.getRows().map((r) => r.map(canon).join('\t')).sort();
  const columns = reader.columnNames().length;
  // flowlens columns come in the same order: group keys, then aggregates.
  const fieldsInOrder = [];
  for (const row of parsed.results) {
    for (const c of row) if (!fieldsInOrder.includes(c.field)) fieldsInOrder.push(c.field);
  }
  const flowlensLines = flowlensRows.map((r) => {
    const vals = [];
    for (const f of fieldsInOrder) vals.push(f in r ? r[f] : 'NULL');
    return vals.join('\t');
  }).sort();
  const ok = fieldsInOrder.length === columns || flowlensLines.length === 0 ?
    JSON.stringify(flowlensLines) === JSON.stringify(duckRows) : false;
  if (!ok) {
    failures++;
    console.log(`MISMATCH ${name}: flowlens ${flowlensLines.length} rows, DuckDB ${duckRows.length}`);
    const a = new Set(flowlensLines), b = new Set(duckRows);
    console.log('  only flowlens:', flowlensLines.filter((x) => !b.has(x)).slice(0, 5));
    console.log('  only DuckDB:  ', duckRows.filter((x) => !a.has(x)).slice(0, 5));
  } else {
    console.log(`ok ${name}: ${duckRows.length} rows agree`);
  }
}
console.log(`${cases.length - failures} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
