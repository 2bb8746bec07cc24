#!/usr/bin/env bash
# Sticky-routing handshake benchmark: handshakes per second through a sticky lb:// route with Redis
# against the same lb:// route without stickiness, on one gateway, interleaved. Two sticky legs:
# "new" (no cookie: every handshake is a new session whose assignment is written to Redis) and
# "returning" (every handshake presents one session's cookie: one GETEX round trip before the backend
# is chosen). Target (issue 4): the Redis round trip costs at most 15% of handshake throughput.
#
#   bench/sticky.sh            40 s warm-up, then 3 repetitions of 8 s per leg; writes bench/RESULTS-sticky.md
#   bench/sticky.sh --smoke    1 repetition of 2 s per leg; prints only (used by CI so it never rots)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
# WARMUP: seconds per leg, twice over, before measuring: C2 needs ~40 s of handshakes on 2 shared cores.
SMOKE=0; REPS=3; DURATION=8; WARMUP=${WARMUP:-10}
if [ "${1:-}" = "--smoke" ]; then SMOKE=1; REPS=1; DURATION=2; WARMUP=1; fi
OUT="$HERE/target/sticky"; mkdir -p "$OUT"
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# What it needs: the bench jar, the gateway jar, redis-server (Debian's package when missing).
[ -f "$HERE/target/switchboard-bench.jar" ] || (cd "$HERE" && "$ROOT/mvnw" -q -DskipTests package)
GW_JAR=$(ls "$ROOT"/target/switchboard-*.jar 2>/dev/null | grep -v original | head -1 || true)
[ -n "$GW_JAR" ] || (cd "$ROOT" && ./mvnw -q -DskipTests package)
GW_JAR=$(ls "$ROOT"/target/switchboard-*.jar | grep -v original | head -1)
if ! command -v redis-server >/dev/null 2>&1; then
  "$ROOT/.ci/apt-install" redis-server   # its service is not started: this script runs its own
fi
BENCH="java -Xms256m -Xmx1g -Dio.netty.leakDetection.level=disabled -jar $HERE/target/switchboard-bench.jar"
read -r P_REDIS P_E1 P_E2 P_GW P_MGMT < <($BENCH free-ports 5 | tr '\n' ' '; echo)

redis-server --port "$P_REDIS" --bind 127.0.0.1 --save "" --appendonly no > "$OUT/redis.log" 2>&1 & REDIS=$!; PIDS+=($REDIS)
$BENCH echo-server --port "$P_E1" > "$OUT/echo1.log" 2>&1 & PIDS+=($!)
$BENCH echo-server --port "$P_E2" > "$OUT/echo2.log" 2>&1 & PIDS+=($!)
R=--spring.cloud.gateway.server.webflux.routes
java -Xms512m -Xmx512m -jar "$GW_JAR" --server.port="$P_GW" --management.server.port="$P_MGMT" \
  --switchboard.access-log.enabled=false \
  --spring.data.redis.host=127.0.0.1 --spring.data.redis.port="$P_REDIS" \
  --switchboard.sticky.secret=bench-secret-bench-secret-bench-secret-0 \
  --spring.cloud.discovery.client.simple.instances.echo[0].uri=http://127.0.0.1:"$P_E1" \
  --spring.cloud.discovery.client.simple.instances.echo[1].uri=http://127.0.0.1:"$P_E2" \
  "$R[0].id=plain" "$R[0].uri=lb://echo" "$R[0].predicates[0]=Path=/plain/**" "$R[0].filters[0]=StripPrefix=1" \
  "$R[1].id=sticky" "$R[1].uri=lb://echo" "$R[1].predicates[0]=Path=/sticky/**" "$R[1].filters[0]=StripPrefix=1" \
  "$R[1].metadata.switchboard.sticky.enabled=true" > "$OUT/gateway.log" 2>&1 & GW=$!; PIDS+=($GW)
for _ in $(seq 1 120); do curl -sf -o /dev/null "http://127.0.0.1:$P_MGMT/actuator/health/readiness" && break; sleep 0.5; done
curl -sf -o /dev/null "http://127.0.0.1:$P_MGMT/actuator/health/readiness" || { echo "gateway did not start"; tail -20 "$OUT/gateway.log"; exit 1; }

cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
run() { # leg seconds -> "rate cycles gateway_us_per_cycle redis_us_per_cycle"
  local t0 t1 r0 r1 line cycles rate path=$1 header=()
  [ "$1" = returning ] && { path=sticky; header=(--header "Cookie: $COOKIE"); }
  [ "$1" = new ] && path=sticky
  t0=$(cpu "$GW"); r0=$(cpu "$REDIS")
  line=$($BENCH loadgen handshake --url "ws://127.0.0.1:$P_GW/$path/echo" --duration "$2" "${header[@]}" 2>&1 | grep '^RESULT')
  t1=$(cpu "$GW"); r1=$(cpu "$REDIS")
  cycles=$(echo "$line" | grep -o 'ok_cycles=[0-9]*' | cut -d= -f2)
  rate=$(echo "$line" | grep -o ' rate=[0-9.]*' | cut -d= -f2)
  [ -n "$cycles" ] && [ "$cycles" -gt 0 ] || { echo "no successful handshake on /$path: $line" >&2; exit 1; }
  echo "$rate $cycles $(( (t1 - t0) * 10000 / cycles )) $(( (r1 - r0) * 10000 / cycles ))"
}
# One session's cookie for the "returning" leg, from a first handshake.
COOKIE=$(curl -s -i --max-time 2 -H "Connection: Upgrade" -H "Upgrade: websocket" -H "Sec-WebSocket-Version: 13" \
  -H "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" "http://127.0.0.1:$P_GW/sticky/echo" 2>/dev/null \
  | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(SWITCHBOARD_STICKY=[^;]*\).*/\1/p' | head -1 || true)
[ -n "$COOKIE" ] || { echo "no session cookie from the sticky route" >&2; exit 1; }
for _ in 1 2; do for leg in plain new returning; do run "$leg" "$WARMUP" > /dev/null; done; done
: > "$OUT/results.txt"
for rep in $(seq 1 "$REPS"); do
  for leg in plain new returning; do echo "$leg $(run "$leg" "$DURATION")" | tee -a "$OUT/results.txt"; done
done
DECISIONS=$(curl -sf "http://127.0.0.1:$P_MGMT/actuator/prometheus" | grep '^switchboard_sticky_decisions_total' || true)
echo "$DECISIONS"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
col() { awk -v l="$1" -v c="$2" '$1==l{print $c}' "$OUT/results.txt" | median; }
PR=$(col plain 2); PC=$(col plain 4)
NR_=$(col new 2); NC=$(col new 4); NRC=$(col new 5)
RR=$(col returning 2); RC=$(col returning 4); RRC=$(col returning 5)
# Cost: the median over repetitions of each repetition's own ratio to the plain leg measured just before
# it (the pairs share the machine's state; medians of separate legs can come from different repetitions).
cost() { awk -v l="$1" '$1=="plain"{p=$2} $1==l{printf "%.1f\n", (1 - $2 / p) * 100}' "$OUT/results.txt" | median; }
NCOST=$(cost new); RCOST=$(cost returning)
echo "plain lb://: $PR handshakes/s, $PC us gateway CPU per cycle"
echo "sticky, new sessions: $NR_ /s, $NC us (+ Redis $NRC us); cost $NCOST%"
echo "sticky, returning session: $RR /s, $RC us (+ Redis $RRC us); cost $RCOST%"
if [ "$SMOKE" = 1 ]; then exit 0; fi
cat > "$HERE/RESULTS-sticky.md" <<MD
# Sticky-routing handshake benchmark

Generated by \`bench/sticky.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(java -version 2>&1 | head -1), $(redis-server --version | cut -d' ' -f1-3), gateway at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?').
One gateway, two \`lb://\` routes over the same two echo instances: \`/plain\` (least open tunnels, no
session) and \`/sticky\` (\`metadata.switchboard.sticky.enabled=true\`, Redis on loopback, sharing the 2
cores). Legs: **new** — the load generator keeps no cookies, so every handshake is a new session: the
gateway chooses an instance, sends the assignment's \`SET\` to Redis (not awaited) and sets the cookie;
**returning** — every handshake presents one session's cookie: one \`GETEX\` round trip before the
instance is chosen. 32 concurrent cycles of connect, upgrade, one echo, close; after $((WARMUP * 6)) s of
warm-up (all legs, twice), $REPS interleaved repetitions of ${DURATION} s; CPU from /proc. Access log off, metrics on.

| Route | Handshakes/s (median) | Cost vs plain (median of per-repetition ratios) | Gateway CPU per cycle | Redis CPU per cycle |
|---|---|---|---|---|
| \`lb://\` without stickiness | $PR | — | $PC us | — |
| \`lb://\` sticky, new sessions (SET) | $NR_ | **$NCOST%** | $NC us | $NRC us |
| \`lb://\` sticky, returning session (GETEX) | $RR | **$RCOST%** | $RC us | $RRC us |

Target: the Redis round trip costs at most 15% of handshake throughput.

Raw (leg, handshakes/s, cycles, gateway us CPU per cycle, Redis us CPU per cycle):

\`\`\`
$(cat "$OUT/results.txt")
\`\`\`

Sticky decisions counted by the gateway during the run:

\`\`\`
$DECISIONS
\`\`\`
MD
echo "wrote $HERE/RESULTS-sticky.md"
