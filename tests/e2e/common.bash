# Shared by the end-to-end scripts (sourced; not a test itself): $work, a
# temporary directory removed on exit; `fail`, which stops the test with a
# message; `ok`, which counts a passed check in $passed.
# A script that starts processes sets on_exit to a command that stops them
# (run before $work goes), and on_fail to one that adds context to a failure.
work=$(mktemp -d)
passed=0
on_exit=:
on_fail=:
e2e_cleanup() {
  eval "$on_exit" || true
  rm -rf "$work"
}
trap e2e_cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  eval "$on_fail" || true
  exit 1
}
ok() {
  passed=$((passed + 1))
  echo "ok $*"
}
