# 19-field custom format: $7 flow-direction, $8 srcaddr, $9 dstaddr, $12 pkt-srcaddr,
# $13 pkt-dstaddr, $19 action
mawk '$19 == "REJECT" && index($8, "162.142.125.") == 0 && index($7, "ingress") > 0 {
        n[$7 "\t" $8 "\t" $9 "\t" $12 "\t" $13]++ }
      END { for (k in n) printf "%s\t%d\n", k, n[k] }' "$1"
