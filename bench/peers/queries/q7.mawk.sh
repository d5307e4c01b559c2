# default format: $4 srcaddr (10.0.1.0/24 = the prefix "10.0.1."), $13 action
mawk '$13 == "REJECT" && index($4, "10.0.1.") == 1 { n++ } END { printf "%d\n", n }' "$1"
