# bench/peers/lib.sh: shell helpers shared by bench/run and bench/peers/run (sourced, not run).
# Needs: RUNS, WORK, TIME (/usr/bin/time) set by the caller.

die() { echo "${0##*/}: $*" >&2; exit 1; }
load() { cut -d' ' -f1 /proc/loadavg; }
log() { echo "[$(date +%T) load $(load)] $*" >&2; }

# median of numbers on stdin; minmax prints "lo–hi" (or one value)
median() { sort -g | awk '{v[NR]=$1} END {if (NR == 0) print "nan"; else print v[int((NR + 1) / 2)]}'; }
minmax() { sort -g | awk 'NR==1{lo=$1} {hi=$1} END {if (lo == hi) print lo; else print lo "–" hi}'; }

fmt() { awk -v x="$1" -v f="$2" 'BEGIN {printf f, x}'; }
div() { awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN {if (b == 0 || a == "" || b == "") print "–"; else printf f, a / b}'; }
size_of() { du -sb "$1" | cut -f1; }

# CPU seconds (user+sys) a process has used so far
proc_cpu() { awk -v hz="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz}' "/proc/$1/stat"; }

# measure NAME SETUP_CMD -- CMD...: runs CMD $RUNS times (SETUP_CMD, evaluated, before each,
# untimed) and sets M_WALL, M_CPU (user+sys), M_RSS_MB (medians), M_WALLS (every run) and
# M_LOAD (1-minute load average, min-max over the runs). The token @RUN@ in CMD's arguments
# becomes the run's index. When M_SERVER_PID is set, that process's CPU time during each run
# (a server the command talks to) is added to the run's CPU. The last run's stdout, stderr and
# times are in ${MEASURE_DIR:-$WORK}/NAME.{out,err,time}. A failing run stops everything.
measure() {
  local name=$1 setup=$2
  shift 3
  local walls=() cpus=() rss=() loads=() i e u s m before after dir=${MEASURE_DIR:-$WORK}
  for ((i = 0; i < RUNS; i++)); do
    eval "$setup"
    loads+=("$(load)")
    local args=("${@//@RUN@/$i}")
    [[ -n "${M_SERVER_PID:-}" ]] && before=$(proc_cpu "$M_SERVER_PID")
    if ! "$TIME" -f "%e %U %S %M" -o "$dir/$name.time" "${args[@]}" >"$dir/$name.out" 2>"$dir/$name.err"; then
      tail -n 20 "$dir/$name.err" >&2
      die "failed: ${args[*]}"
    fi
    read -r e u s m <"$dir/$name.time"
    if [[ -n "${M_SERVER_PID:-}" ]]; then
      after=$(proc_cpu "$M_SERVER_PID")
      u=$(awk -v u="$u" -v a="$after" -v b="$before" 'BEGIN {print u + a - b}')
    fi
    walls+=("$e")
    cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.2f", u + s}')")
    rss+=("$(awk -v m="$m" 'BEGIN {printf "%.0f", m / 1024}')")
  done
  M_WALL=$(printf '%s\n' "${walls[@]}" | median)
  M_WALLS=$(printf '%s\n' "${walls[@]}" | sort -g | paste -sd' ')
  M_CPU=$(printf '%s\n' "${cpus[@]}" | median)
  M_RSS_MB=$(printf '%s\n' "${rss[@]}" | median)
  M_LOAD=$(printf '%s\n' "${loads[@]}" | minmax)
}

# compressed_size gzip|zstd FILE: bytes of `gzip -6` / `zstd -19 -T0` of FILE, cached beside
# FILE (FILE.gzip-size, FILE.zstd-size) so that bench/run and bench/peers/run compress once.
# zstd -19 runs at about 1 MB/s per core here, so above ZSTD_MAX_MB (default 100) of text it
# compresses the first ZSTD_MAX_MB of whole lines and scales the size by the file's bytes;
# ZSTD_MAX_MB=0 compresses everything. compressed_label zstd FILE names what was done.
compressed_size() {
  local algo=$1 file=$2 cache="$2.$1-size" max=$((${ZSTD_MAX_MB:-100} * 1000000)) total
  total=$(stat -c %s "$file")
  if [[ ! -s "$cache" || "$cache" -ot "$file" || "$(cut -f2 "$cache")" != "$max" ]]; then
    case $algo in
      gzip) printf '%s\t%s\n' "$(gzip -6 -c "$file" | wc -c)" "$max" >"$cache" ;;
      zstd)
        if ((max > 0 && total > max)); then
          head -c "$max" "$file" | sed '$d' >"$file.zstd-sample"
          printf '%s\t%s\t%s\n' "$(zstd -19 -T0 -q -c "$file.zstd-sample" | wc -c)" "$max" \
            "$(stat -c %s "$file.zstd-sample")" >"$cache"
          rm -f "$file.zstd-sample"
        else
          printf '%s\t%s\n' "$(zstd -19 -T0 -q -c "$file" | wc -c)" "$max" >"$cache"
        fi ;;
      *) die "compressed_size: unknown $algo" ;;
    esac
  fi
  awk -F'\t' -v total="$total" '{ if ($3 != "") printf "%.0f\n", $1 * total / $3; else print $1 }' "$cache"
}
compressed_label() {
  local algo=$1 file=$2 cache="$2.$1-size"
  case $algo in
    gzip) echo "gzip -6 of the text" ;;
    zstd) awk -F'\t' '{ if ($3 != "") printf "zstd -19 -T0 of the text (estimated: the first %.0f MB compressed, scaled)\n", $3 / 1e6;
                         else print "zstd -19 -T0 of the text" }' "$cache" ;;
  esac
}

# generate_once FLOWLENS FILE RECORDS [generate options...]: writes FILE with
# `flowlens generate --seed 1`, unless FILE already holds those records from the same options.
generate_once() {
  local flowlens=$1 file=$2 records=$3
  shift 3
  local stamp="records=$records seed=1 $*"
  if [[ -s "$file" && -f "$file.stamp" && "$(cat "$file.stamp")" == "$stamp" ]]; then
    return 0
  fi
  "$flowlens" generate --records "$records" --seed 1 "$@" -o "$file" >/dev/null
  echo "$stamp" >"$file.stamp"
}

# the Markdown lines naming the machine and the revision
machine_lines() {
  echo "- Date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, $(uname -sr)"
  echo "- flowlens: $(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$(dirname "${BASH_SOURCE[0]}")" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)') ($1)"
  echo "- Load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
}
