#!/usr/bin/env bash
# The handshake fuzzer of src/test/java/dev/switchboard/upgrade/HandshakeFuzzTest at a larger size than CI
# runs it: seeded, mutated WebSocket handshake heads over raw sockets, a well-behaved client beside them.
# A failing case prints the -Dfuzz.seed / -Dfuzz.case that replays it alone.
#
#   bash bench/fuzz.sh                          # 20,000 cases
#   bash bench/fuzz.sh --cases 5000 --seed 42
#   bash bench/fuzz.sh --smoke                  # the CI size (300)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CASES=20000
SEED=20261214
while [ $# -gt 0 ]; do
  case "$1" in
    --cases) CASES=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --smoke) CASES=300; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
cd "$ROOT"
mkdir -p target
status=0
./mvnw -o -q test -Dtest=HandshakeFuzzTest -Dfuzz.cases="$CASES" -Dfuzz.seed="$SEED" \
  > target/fuzz.log 2>&1 || status=$?
echo "HandshakeFuzzTest: $CASES cases, seed $SEED (log: target/fuzz.log)"
grep -aE "HandshakeFuzzTest +: |Tests run:.*HandshakeFuzzTest|replay: " target/fuzz.log \
  | sed 's/.*HandshakeFuzzTest *: /  /' || true
exit $status
