# default format: $4 srcaddr, $7 dstport ("-" compares as a string, never equal)
mawk '$7 == 22 || $7 == 3389 { n[$4]++ } END { for (k in n) printf "%s\t%d\n", k, n[k] }' "$1" |
  LC_ALL=C sort -t "$(printf '\t')" -k2,2nr -k1,1 | head -n 15
