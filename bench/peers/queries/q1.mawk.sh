# default format: $4 srcaddr, $5 dstaddr, $9 packets
mawk '{ s[$4 "\t" $5] += $9 } END { for (k in s) printf "%s\t%.0f\n", k, s[k] }' "$1" |
  LC_ALL=C sort -t "$(printf '\t')" -k3,3nr -k1,1 -k2,2 | head -n 15
