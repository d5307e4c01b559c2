// Checks a peer's answer against flowlens's: a fast wrong answer does not count.
//
// Usage: node compare.mjs MODE FLOWLENS_CSV PEER_ANSWER [csv]
//   FLOWLENS_CSV  `flowlens query -o csv` output (header line, then rows)
//   PEER_ANSWER   the peer's rows, tab-separated, no header, same column order; with `csv`,
//                 another flowlens CSV answer (the store's), whose header must be the same
//   MODE  all: the two row multisets must be equal (order ignored).
//         top: a `sort <last column> desc | limit N` answer. The last column's values, in
//              descending order, must be equal; rows above the boundary value (the last
//              row's) must be equal as sets; rows tied at the boundary may name different
//              keys, since either engine may break that tie its own way.
// Normalisation: a missing value (empty CSV field, SQL NULL, '-' from flow logs) is the
// empty string; a flowlens bin() value "YYYY-MM-DD hh:mm:ss.000" (UTC) becomes Unix seconds,
// as the peers print it; numbers are compared exactly as decimal text ("12.0" is "12").
// Prints "ok ..." or "MISMATCH ..." with the first differences; exits 1 on a mismatch.
import { readFileSync } from 'node:fs';

const [mode, flowlensFile, peerFile, peerKind] = process.argv.slice(2);

function parseCsvLine(line) {
  const out = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error(`unterminated quote in ${line}`);
        v += line.slice(i, q);
        if (line[q + 1] === '"') { v += '"'; i = q + 2; } else { i = q + 1; break; }
      }
      out.push(v);
      i++;  // the comma
    } else {
      const c = line.indexOf(',', i);
      const end = c < 0 ? line.length : c;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

const binText = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)\.000$/;
function norm(v) {
  if (v === '-' || v === 'NULL') return '';
  const m = binText.exec(v);
  if (m) return String(Date.parse(`${m[1]}T${m[2]}Z`) / 1000);
  if (/^-?\d+\.0+$/.test(v)) return v.replace(/\.0+$/, '');
  return v;
}

function lines(text) { return text.split('\n').filter((l) => l !== ''); }
const flowlensLines = lines(readFileSync(flowlensFile, 'utf8'));
const header = flowlensLines.length ? parseCsvLine(flowlensLines.shift()) : [];
const ours = flowlensLines.map((l) => parseCsvLine(l).map(norm));
const peerLines = lines(readFileSync(peerFile, 'utf8'));
const problems = [];
if (peerKind === 'csv') {
  const peerHeader = peerLines.length ? peerLines.shift() : '';
  if (peerHeader !== header.join(',')) problems.push(`header ${peerHeader} is not ${header.join(',')}`);
}
const theirs = peerLines.map((l) => (peerKind === 'csv' ? parseCsvLine(l) : l.split('\t')).map(norm));

const width = header.length;
for (const r of theirs) {
  if (r.length !== width) {
    problems.push(`peer row has ${r.length} columns, flowlens ${width}: ${r.join(' ')}`);
    break;
  }
}
if (ours.length !== theirs.length) {
  problems.push(`flowlens ${ours.length} rows, peer ${theirs.length}`);
}
const key = (r) => r.join('\t');
function diffSets(a, b, what) {
  const count = new Map();
  for (const r of a) count.set(key(r), (count.get(key(r)) ?? 0) + 1);
  const onlyB = [];
  for (const r of b) {
    const n = count.get(key(r)) ?? 0;
    if (n > 0) count.set(key(r), n - 1); else onlyB.push(key(r));
  }
  const onlyA = [...count].filter(([, n]) => n > 0).map(([k]) => k);
  if (onlyA.length || onlyB.length) {
    problems.push(`${what}: ${onlyA.length} rows only in flowlens, ${onlyB.length} only in peer`);
    for (const k of onlyA.slice(0, 3)) problems.push(`  flowlens: ${k}`);
    for (const k of onlyB.slice(0, 3)) problems.push(`  peer:     ${k}`);
  }
}

let ties = 0;
if (problems.length === 0 && mode === 'top' && ours.length > 0) {
  const last = (r) => r[r.length - 1];
  const oursValues = ours.map(last), theirValues = theirs.map(last);
  if (oursValues.join(',') !== theirValues.join(',')) {
    problems.push(`sorted values differ: flowlens [${oursValues.slice(0, 6)}...], ` +
      `peer [${theirValues.slice(0, 6)}...]`);
  } else {
    const boundary = oursValues[oursValues.length - 1];
    const above = (rows) => rows.filter((r) => last(r) !== boundary);
    diffSets(above(ours), above(theirs), 'rows above the boundary value');
    const tiedOurs = ours.filter((r) => last(r) === boundary).map(key).sort();
    const tiedTheirs = theirs.filter((r) => last(r) === boundary).map(key).sort();
    ties = tiedOurs.filter((k, i) => k !== tiedTheirs[i]).length;
  }
} else if (problems.length === 0) {
  diffSets(ours, theirs, 'rows');
}

if (problems.length) {
  console.log(`MISMATCH (${mode}) ${peerFile} vs ${flowlensFile}`);
  for (const p of problems) console.log(`  ${p}`);
  process.exit(1);
}
console.log(`ok ${ours.length} rows` + (ties ? `, ${ties} rows tied at the limit name other keys` : ''));
