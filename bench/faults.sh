#!/usr/bin/env bash
# The fault scenarios of src/test/java/dev/switchboard/faults/FaultsTest at a larger size than CI runs
# them: real processes (backends and a gateway replica killed with SIGKILL / stopped with SIGTERM, Redis
# killed and restarted empty) and seeded random frame strings.
#
#   bash bench/faults.sh                          # 1,000 tunnels per scenario, 5,000 random cases
#   bash bench/faults.sh --tunnels 200 --cases 1000 --seed 42
#   bash bench/faults.sh --smoke                  # the CI size
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TUNNELS=1000
CASES=5000
SEED=20261201
while [ $# -gt 0 ]; do
  case "$1" in
    --tunnels) TUNNELS=$2; shift 2 ;;
    --cases) CASES=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --smoke) TUNNELS=20; CASES=100; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
cd "$ROOT"
mkdir -p target
status=0
./mvnw test -Dtest=FaultsTest -Dfaults.tunnels="$TUNNELS" -Dfaults.cases="$CASES" -Dfaults.seed="$SEED" \
  > target/faults.log 2>&1 || status=$?
echo "FaultsTest: $TUNNELS tunnels per scenario, $CASES random cases, seed $SEED (log: target/faults.log)"
grep -E "FaultsTest +: |Tests run:.*FaultsTest" target/faults.log | sed 's/.*FaultsTest *: /  /' || true
exit $status
