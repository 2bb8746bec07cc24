#!/usr/bin/env bash
# Cost of the edge-security features (#14) on handshakes, with bench/compare.sh (ABBA, fresh gateways).
# Usage: NEW_JAR=path [OLD_JAR=path] bash bench/policy.sh [--reps N] [--short] [--legs "probe policies jwt ..."]
#
# Starts Redis (redis-server on a free port of 127.0.0.1, no persistence) and the bench jar's JWKS
# server (a fresh RSA key and a token signed with it), runs the legs, stops what it started (by PID).
# Legs (default: probe nopolicy policies jwt):
#   probe     NEW_JAR with meters on, 10 s of handshakes per configuration below: no handshake may be
#             refused (switchboard_upgrades_total outcome=refused_by_policy, loadgen errors), and the
#             policies must be live (a foreign Origin gets 403, no token 401; Redis counts the rate
#             limiter's scripts)
#   nopolicy  OLD_JAR vs NEW_JAR, nothing configured: handshake and 64 B echo
#   policies  NEW_JAR against itself: Origin allow-list + max-tunnels-per-client=100 + RequestRateLimiter
#             (replenish/burst 1,000,000: never refuses, still one Redis round trip) vs none
#   origin, limits, rate   one of the three alone vs none
#   jwt       NEW_JAR against itself: auth=jwt (JWKS from the local server) vs none
#   <leg>-vs-old  (policies-vs-old, limits-vs-old, ...) OLD_JAR vs NEW_JAR, both with that leg's policy:
#             before/after figures for a change to a policy's own cost
# Every policy leg sends "Origin: https://bench.example" (and the jwt leg a Bearer token) on both
# sides and gives both sides the same Redis, so the only difference is the route's configuration.
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPS=4
SHORT_ARG=()
LEGS="probe nopolicy policies jwt"
while [ $# -gt 0 ]; do
    case "$1" in
        --reps) REPS=$2; shift ;;
        --short) SHORT_ARG=(--short) ;;
        --smoke) SHORT_ARG=(--smoke) ;;
        --legs) LEGS=$2; shift ;;
        -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

: "${NEW_JAR:?NEW_JAR=path to the gateway jar is required}"
BENCH_JAR=${BENCH_JAR:-$BENCH_DIR/target/switchboard-bench.jar}
BASE_DIR=${BASE_DIR:-/tmp/sb-policy}
JAVA=${JAVA:-java}
ORIGIN=${ORIGIN:-https://bench.example}
mkdir -p "$BASE_DIR"
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
# shellcheck source=bench/common.sh
source "$BENCH_DIR/common.sh"

log() { echo "[policy.sh $(date +%H:%M:%S)] $*" >&2; }

REDIS_PID=""; JWKS_PID=""; PROBE_GW=""; PROBE_BACKEND=""
cleanup() { for pid in "$PROBE_GW" "$PROBE_BACKEND" "$JWKS_PID" "$REDIS_PID"; do stop_pid "$pid"; done; }
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

read -r REDIS_PORT JWKS_PORT P_BACKEND P_GW P_MGMT <<< "$("$JAVA" -jar "$BENCH_JAR" free-ports 5 --from 24300)"
[ -n "$P_MGMT" ] || { log "no free ports"; exit 1; }

# ------------------------------------------------------------------------------------------ Redis, JWKS
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no > "$BASE_DIR/redis.log" 2>&1 &
REDIS_PID=$!
wait_port "$REDIS_PORT" 20 "$REDIS_PID" || { cat "$BASE_DIR/redis.log" >&2; log "Redis did not start"; exit 1; }
TOKEN_FILE=$BASE_DIR/token.jwt
"$JAVA" -Xmx128m -jar "$BENCH_JAR" jwks --port "$JWKS_PORT" --token-file "$TOKEN_FILE" > "$BASE_DIR/jwks.log" 2>&1 &
JWKS_PID=$!
for _ in $(seq 1 100); do grep -q '^JWKS READY' "$BASE_DIR/jwks.log" && break; sleep 0.2; done
grep -q '^JWKS READY' "$BASE_DIR/jwks.log" || { cat "$BASE_DIR/jwks.log" >&2; log "the JWKS server did not start"; exit 1; }
TOKEN=$(cat "$TOKEN_FILE")
log "Redis :$REDIS_PORT (pid $REDIS_PID), JWKS http://127.0.0.1:$JWKS_PORT/jwks (pid $JWKS_PID)"

R='--spring.cloud.gateway.server.webflux.routes[0]'
REDIS_ARGS="--spring.data.redis.host=127.0.0.1 --spring.data.redis.port=$REDIS_PORT"
A_ORIGIN="$R.metadata.switchboard.allowed-origins=$ORIGIN"
A_LIMITS="$R.metadata.switchboard.max-tunnels-per-client=100"
A_RATE="$R.filters[0].name=RequestRateLimiter $R.filters[0].args[redis-rate-limiter.replenishRate]=1000000 $R.filters[0].args[redis-rate-limiter.burstCapacity]=1000000"
A_JWT="$R.metadata.switchboard.auth=jwt $R.metadata.switchboard.jwt-jwk-set-uri=http://127.0.0.1:$JWKS_PORT/jwks"
# one argument per line, verbatim (a token never goes through word splitting)
printf '%s\n' --header "Origin: $ORIGIN" > "$BASE_DIR/lg-origin.args"
printf '%s\n' --header "Origin: $ORIGIN" --header "Authorization: Bearer $TOKEN" > "$BASE_DIR/lg-jwt.args"

leg_args() { # leg -> the policy side's gateway arguments
    case "$1" in
        policies) echo "$A_ORIGIN $A_LIMITS $A_RATE" ;;
        origin) echo "$A_ORIGIN" ;;
        limits) echo "$A_LIMITS" ;;
        rate) echo "$A_RATE" ;;
        jwt) echo "$A_JWT" ;;
    esac
}

# ------------------------------------------------------------------------------------------ probe
probe_config() { # name "gateway args" loadgen-args-file
    local name=$1 args=$2 lgfile=$3 dir=$BASE_DIR/probe url lg=() line prom refused
    mkdir -p "$dir"
    while IFS= read -r w; do lg+=("$w"); done < "$lgfile"
    url="ws://127.0.0.1:$P_GW/echo"
    # shellcheck disable=SC2086
    "$JAVA" -Xms512m -Xmx512m -jar "$NEW_JAR" "--server.port=$P_GW" "--management.server.port=$P_MGMT" \
        "$R.id=echo" "$R.uri=ws://127.0.0.1:$P_BACKEND" "$R.predicates[0]=Path=/**" \
        $REDIS_ARGS $args > "$dir/$name-gw.log" 2>&1 &
    PROBE_GW=$!
    if ! wait_port "$P_GW" 120 "$PROBE_GW"; then
        tail -n 30 "$dir/$name-gw.log" >&2; log "probe $name: the gateway did not start"; stop_pid "$PROBE_GW"; PROBE_GW=""; return 1
    fi
    redis-cli -p "$REDIS_PORT" config resetstat > /dev/null
    "$JAVA" -jar "$BENCH_JAR" loadgen handshake --url "$url" --concurrency 32 --warmup 2 --duration 10 "${lg[@]}" \
        > "$dir/$name-lg.out" 2> "$dir/$name-lg.err"
    line=$(grep '^RESULT ' "$dir/$name-lg.out" | tail -n 1)
    prom=$(curl -s "http://127.0.0.1:$P_MGMT/actuator/prometheus")
    grep -E '^switchboard_(upgrades|requests_refused)_total' <<< "$prom" > "$dir/$name-meters.txt"
    redis-cli -p "$REDIS_PORT" info commandstats | grep -E '^cmdstat_(evalsha|eval|hincrby|fcall)' | tr -d '\r' > "$dir/$name-redis.txt"
    refused=$(awk '/outcome="refused_by_policy"/ { s += $NF } END { print s + 0 }' "$dir/$name-meters.txt")
    {
        echo "== $name: $args"
        echo "loadgen: $(grep -oE ' (ok|rate|cycles|ok_cycles|errors|error)=[^ ]*' <<< "$line" | tr -d '\n')"
        echo "refused_by_policy=$refused"
        sed 's/^/  /' "$dir/$name-meters.txt"
        echo "redis commands during the run: $(paste -sd ' ' "$dir/$name-redis.txt")"
        # the policy must be live: a foreign Origin and (jwt) no token are refused
        echo "foreign Origin: HTTP $(curl -s -o /dev/null -w '%{http_code}' -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
            -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
            -H 'Origin: https://other.example' "http://127.0.0.1:$P_GW/echo" --max-time 5)"
        echo "no token: HTTP $(curl -s -o /dev/null -w '%{http_code}' -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
            -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
            -H "Origin: $ORIGIN" "http://127.0.0.1:$P_GW/echo" --max-time 5)"
        echo "gateway WARN/ERROR lines: $(grep -cE ' (WARN|ERROR) ' "$dir/$name-gw.log")"
    } | tee -a "$dir/summary.txt" >&2
    stop_pid "$PROBE_GW"; PROBE_GW=""
}

run_probe() {
    rm -rf "$BASE_DIR/probe"; mkdir -p "$BASE_DIR/probe"
    "$JAVA" -Xms256m -Xmx1g -jar "$BENCH_JAR" echo-server --port "$P_BACKEND" > "$BASE_DIR/probe/backend.log" 2>&1 &
    PROBE_BACKEND=$!
    wait_port "$P_BACKEND" 30 "$PROBE_BACKEND" || { log "probe: the echo backend did not start"; return 1; }
    probe_config none "" "$BASE_DIR/lg-origin.args"
    probe_config policies "$(leg_args policies)" "$BASE_DIR/lg-origin.args"
    probe_config jwt "$(leg_args jwt)" "$BASE_DIR/lg-jwt.args"
    stop_pid "$PROBE_BACKEND"; PROBE_BACKEND=""
}

# ------------------------------------------------------------------------------------------ legs
for leg in $LEGS; do
    case "$leg" in
        probe) log "=== probe (meters on)"; run_probe ;;
        nopolicy)
            : "${OLD_JAR:?the nopolicy leg needs OLD_JAR}"
            log "=== nopolicy: $OLD_JAR vs $NEW_JAR"
            OLD_JAR=$OLD_JAR NEW_JAR=$NEW_JAR BENCH_JAR=$BENCH_JAR OUT_DIR=$BASE_DIR/nopolicy \
                WORKLOADS="handshake throughput" OLD_ARGS="" NEW_ARGS="" LOADGEN_ARGS="" LOADGEN_ARGS_FILE="" \
                bash "$BENCH_DIR/compare.sh" --reps "$REPS" "${SHORT_ARG[@]}" ;;
        policies|origin|limits|rate|jwt)
            lgfile=$BASE_DIR/lg-origin.args
            [ "$leg" = jwt ] && lgfile=$BASE_DIR/lg-jwt.args
            log "=== $leg: none vs $(leg_args "$leg")"
            OLD_JAR=$NEW_JAR NEW_JAR=$NEW_JAR BENCH_JAR=$BENCH_JAR OUT_DIR=$BASE_DIR/$leg \
                OLD_LABEL=none NEW_LABEL=$leg WORKLOADS=handshake SB_EXTRA_ARGS="$REDIS_ARGS" \
                OLD_ARGS="" NEW_ARGS="$(leg_args "$leg")" LOADGEN_ARGS="" LOADGEN_ARGS_FILE="$lgfile" \
                bash "$BENCH_DIR/compare.sh" --reps "$REPS" "${SHORT_ARG[@]}" ;;
        *-vs-old)
            : "${OLD_JAR:?the $leg leg needs OLD_JAR}"
            policy=${leg%-vs-old}
            lgfile=$BASE_DIR/lg-origin.args
            [ "$policy" = jwt ] && lgfile=$BASE_DIR/lg-jwt.args
            log "=== $leg: $OLD_JAR vs $NEW_JAR, both with $(leg_args "$policy")"
            OLD_JAR=$OLD_JAR NEW_JAR=$NEW_JAR BENCH_JAR=$BENCH_JAR OUT_DIR=$BASE_DIR/$leg \
                OLD_LABEL=old NEW_LABEL=new WORKLOADS=handshake SB_EXTRA_ARGS="$REDIS_ARGS $(leg_args "$policy")" \
                OLD_ARGS="" NEW_ARGS="" LOADGEN_ARGS="" LOADGEN_ARGS_FILE="$lgfile" \
                bash "$BENCH_DIR/compare.sh" --reps "$REPS" "${SHORT_ARG[@]}" ;;
        *) log "unknown leg: $leg" ;;
    esac
done
log "done: $BASE_DIR/*/summary.txt"
