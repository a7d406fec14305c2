# Sourced by the scripts: one build directory, outside the checkout, shared by the demo, the
# tests and CI, so RocksDB's C++ (about 12 minutes cold on two cores) is built once.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/recvault/target}"

# Runs one stage of a script and prints its wall time, so CI's log says where the time went:
#   stage NAME COMMAND [ARGS...]
stage() {
  local name=$1 start=$SECONDS
  shift
  echo "== stage: $name" >&2
  if "$@"; then
    echo "== stage: $name took $((SECONDS - start)) s" >&2
  else
    local status=$?
    echo "== stage: $name FAILED after $((SECONDS - start)) s" >&2
    return "$status"
  fi
}
