# Sourced by the scripts: one build directory, outside the checkout, shared by the demo, the
# tests and CI, so RocksDB's C++ (about 12 minutes cold on two cores) is built once.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/recvault/target}"
