# default format: $11 start (seconds), $10 bytes; bin start in seconds
mawk '{ b[int($11 / 300) * 300] += $10 } END { for (k in b) printf "%d\t%.0f\n", k, b[k] }' "$1" |
  LC_ALL=C sort -t "$(printf '\t')" -k1,1n
