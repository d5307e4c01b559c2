# default format: $4 srcaddr, $7 dstport; distinct (srcaddr, dstport) pairs, then count per srcaddr
mawk '$7 != "-" && !seen[$4 "\t" $7]++ { n[$4]++ }
      END { for (k in n) if (n[k] > 100) printf "%s\t%d\n", k, n[k] }' "$1" |
  LC_ALL=C sort -t "$(printf '\t')" -k2,2nr -k1,1
