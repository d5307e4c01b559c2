# default format: $4 srcaddr, $13 action
mawk '$13 == "REJECT" { n[$4]++ } END { for (k in n) printf "%s\t%d\n", k, n[k] }' "$1" |
  LC_ALL=C sort -t "$(printf '\t')" -k2,2nr -k1,1 | head -n 15
