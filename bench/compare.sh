#!/usr/bin/env bash
# Interleaved A/B comparison of two Switchboard builds (OLD vs NEW) on handshakes and the data path.
# Usage: OLD_JAR=path NEW_JAR=path bash bench/compare.sh [--reps N] [--short|--smoke]
#
# One echo backend; per repetition a fresh OLD and a fresh NEW gateway (both up at once, on their own
# ports), each warmed up as run.sh warms Switchboard (SB_HS_WARM_S s of handshakes, then SB_WARM_S s of
# 64 B pipelined echo and of 1 MiB echo); then every workload runs against both, one after the other,
# in ABBA order over the repetitions (rep 1: OLD then NEW, rep 2: NEW then OLD, ...). Workload sizes,
# gateway arguments (route, "metrics and access log off") and CPU accounting are those of run.sh's full
# run; nginx, the direct leg, the cold-start window, the metrics-on leg and idle memory are not run.
# Prints, per metric, the median over repetitions for OLD and NEW, NEW/OLD, min-max and the per-rep
# paired ratios. Everything goes to OUT_DIR (default /tmp/sb-compare), never into the repository.
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPS=${REPS:-3}
SHORT=0

usage() {
    sed -n '2,3p' "$0" | sed 's/^# \{0,1\}//'
    cat <<'EOF'

Environment:
  OLD_JAR, NEW_JAR        the two gateway jars (required)
  OLD_LABEL, NEW_LABEL    names for them in the report (default: old, new)
  BENCH_JAR               load generator / echo backend jar (default bench/target/switchboard-bench.jar)
  AGENT_JAR               the attach agent beside it, which reads the gateway's heap allocated per handshake
  OUT_DIR=/tmp/sb-compare results, logs, private copies of the jars
  JAVA=java, SB_JAVA=$JAVA, SB_JVM_OPTS="-Xms512m -Xmx512m", SB_EXTRA_ARGS=""
  OLD_ARGS, NEW_ARGS      gateway arguments for one side only (e.g. the same jar with tracing on)
  OLD_JVM_OPTS, NEW_JVM_OPTS   JVM options for one side only, after SB_JVM_OPTS (e.g. a system property)
  WORKLOADS="handshake latency throughput large"   the workloads to run
  LOADGEN_ARGS            extra load generator arguments for every warm-up and measured run of both sides,
                          parsed like shell words (quotes and backslashes work, nothing is expanded or run),
                          e.g. LOADGEN_ARGS='--header "Origin: https://bench.example"'
  LOADGEN_ARGS_FILE       the same from a file, one argument per line, taken verbatim (no quoting
                          needed: for values that hold quotes, such as a long Bearer token); both may be set
  SB_METRICS_OFF_ARGS     gateway arguments (default as run.sh's legs 1-5: access log and meters off)
  SB_HS_WARM_S=30 SB_WARM_S=5   warm-up per gateway per repetition (handshakes; echo and 1 MiB each)
  OTHER_MAX_PCT=25 MAX_ATTEMPTS=2 RETRY_BUDGET=6   re-measure windows disturbed by other processes
  BUILD_WAIT_MAX_S=2400   total time to wait for running Maven/Surefire JVMs to finish (polls every 30 s)
  --smoke                 1 s windows and 1 s warm-ups: checks that the script works (figures meaningless)
  --short                 shorter measured windows (handshake 3+6, latency 2+6, throughput 2+6, 1 MiB 2+6)
EOF
}

while [ $# -gt 0 ]; do
    case "$1" in
        --reps) REPS=$2; shift ;;
        --reps=*) REPS=${1#--reps=} ;;
        --short) SHORT=1 ;;
        --smoke) SHORT=2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

# ------------------------------------------------------------------------------------------ parameters
: "${OLD_JAR:?OLD_JAR=path to the old gateway jar is required}"
: "${NEW_JAR:?NEW_JAR=path to the new gateway jar is required}"
OLD_LABEL=${OLD_LABEL:-old}
NEW_LABEL=${NEW_LABEL:-new}
# run.sh full-run sizes
HS_CONC=32; HS_WARM=4; HS_DUR=8
LAT_CONNS=100; LAT_RATE=5000; LAT_WARM=3; LAT_DUR=8
THR_CONNS=50; THR_INFLIGHT=16; THR_WARM=3; THR_DUR=8
BIG_CONNS=4; BIG_WARM=2; BIG_DUR=8
if [ "$SHORT" = 1 ]; then
    HS_WARM=3; HS_DUR=6; LAT_WARM=2; LAT_DUR=6; THR_WARM=2; THR_DUR=6; BIG_WARM=2; BIG_DUR=6
elif [ "$SHORT" = 2 ]; then # --smoke: does the script work at all (figures meaningless)
    HS_WARM=0.3; HS_DUR=1; LAT_WARM=0.3; LAT_DUR=1; THR_WARM=0.3; THR_DUR=1; BIG_WARM=0.3; BIG_DUR=1
    SB_HS_WARM_S=${SB_HS_WARM_S:-1}; SB_WARM_S=${SB_WARM_S:-1}
fi
SB_HS_WARM_S=${SB_HS_WARM_S:-30}
SB_WARM_S=${SB_WARM_S:-5}
OTHER_MAX_PCT=${OTHER_MAX_PCT:-25}
MAX_ATTEMPTS=${MAX_ATTEMPTS:-2}
RETRY_BUDGET=${RETRY_BUDGET:-6}
RETRY_BUDGET0=$RETRY_BUDGET
BUILD_WAIT_MAX_S=${BUILD_WAIT_MAX_S:-2400}
BUILD_WAIT_LEFT=$BUILD_WAIT_MAX_S
BUSY_BUDGET=120
JAVA=${JAVA:-java}
SB_JAVA=${SB_JAVA:-$JAVA}
SB_JVM_OPTS=${SB_JVM_OPTS:--Xms512m -Xmx512m}
SB_EXTRA_ARGS=${SB_EXTRA_ARGS:-}
OLD_ARGS=${OLD_ARGS:-}
NEW_ARGS=${NEW_ARGS:-}
WORKLOADS=${WORKLOADS:-handshake latency throughput large}
SB_METRICS_OFF_ARGS=${SB_METRICS_OFF_ARGS---switchboard.access-log.enabled=false --management.metrics.enable.switchboard=false}
# LOADGEN_ARGS as an array: shell-word parsing by xargs (quotes and backslashes, no expansion, no command
# substitution: safer than eval), then one argument per line of LOADGEN_ARGS_FILE, verbatim.
LOADGEN_ARGS=${LOADGEN_ARGS:-}
LOADGEN_ARGS_FILE=${LOADGEN_ARGS_FILE:-}
LOADGEN_EXTRA=()
if [ -n "$LOADGEN_ARGS" ]; then
    if ! printf '%s' "$LOADGEN_ARGS" | xargs -r printf '%s\0' > /dev/null; then
        echo "LOADGEN_ARGS: cannot parse (unbalanced quotes?): $LOADGEN_ARGS" >&2; exit 2
    fi
    while IFS= read -r -d '' _w; do LOADGEN_EXTRA+=("$_w"); done < <(printf '%s' "$LOADGEN_ARGS" | xargs -r printf '%s\0')
fi
if [ -n "$LOADGEN_ARGS_FILE" ]; then
    [ -f "$LOADGEN_ARGS_FILE" ] || { echo "LOADGEN_ARGS_FILE: $LOADGEN_ARGS_FILE does not exist" >&2; exit 2; }
    while IFS= read -r _w || [ -n "$_w" ]; do [ -n "$_w" ] && LOADGEN_EXTRA+=("$_w"); done < "$LOADGEN_ARGS_FILE"
fi
TOOL_OPTS="-Xms256m -Xmx1g -XX:+AlwaysPreTouch -Dio.netty.leakDetection.level=disabled"
BENCH_JAR=${BENCH_JAR:-$BENCH_DIR/target/switchboard-bench.jar}
# The attach agent that reads the gateway's heap allocation for the handshake windows (built with BENCH_JAR)
AGENT_JAR=${AGENT_JAR:-$(dirname "$BENCH_JAR")/switchboard-bench-agent.jar}
OUT_DIR=${OUT_DIR:-/tmp/sb-compare}
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
# shellcheck source=bench/common.sh
source "$BENCH_DIR/common.sh"
RESULTS=$OUT_DIR/results.txt
LOGS=$OUT_DIR/logs
RUN_T0=$(date +%s)
FAILURES=()

log() { echo "[compare.sh $(date +%H:%M:%S)] $*" >&2; }
fail() { log "FAILED: $*"; FAILURES+=("$*"); }

for f in "$OLD_JAR" "$NEW_JAR" "$BENCH_JAR" "$AGENT_JAR"; do
    [ -f "$f" ] || { log "$f does not exist (BENCH_JAR: build bench/ with its pom, or set BENCH_JAR)"; exit 1; }
done

# ------------------------------------------------------------------------------------------ processes
BACKEND_PID=""; OLD_PID=""; NEW_PID=""; BG_LG=""

cleanup() { for pid in "$BG_LG" "$OLD_PID" "$NEW_PID" "$BACKEND_PID"; do stop_pid "$pid"; done; }
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# ------------------------------------------------------------------------------------------ preparation
rm -rf "$OUT_DIR"
mkdir -p "$OUT_DIR" "$LOGS"
: > "$RESULTS"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# private copies: a rebuild of the originals during the run cannot pull classes from under a JVM
cp "$OLD_JAR" "$OUT_DIR/gw-old.jar" && cp "$NEW_JAR" "$OUT_DIR/gw-new.jar" && cp "$BENCH_JAR" "$OUT_DIR/bench.jar" \
    && cp "$AGENT_JAR" "$OUT_DIR/bench-agent.jar" \
    || { log "cannot copy the jars to $OUT_DIR"; exit 1; }
BENCH_CMD=("$JAVA" $TOOL_OPTS -jar "$OUT_DIR/bench.jar")
{
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "nproc=$(nproc) cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
    echo "java=$("$SB_JAVA" -version 2>&1 | sed -n 2p)"
    echo "old_jar=$OLD_JAR ($OLD_LABEL) sha1=$(sha1sum < "$OLD_JAR" | cut -c1-12)"
    echo "new_jar=$NEW_JAR ($NEW_LABEL) sha1=$(sha1sum < "$NEW_JAR" | cut -c1-12)"
    echo "bench_jar=$BENCH_JAR sha1=$(sha1sum < "$BENCH_JAR" | cut -c1-12)"
    echo "sb_jvm_opts=$SB_JVM_OPTS sb_args=$SB_METRICS_OFF_ARGS $SB_EXTRA_ARGS"
    echo "old_jvm_opts=${OLD_JVM_OPTS:-} new_jvm_opts=${NEW_JVM_OPTS:-}"
    echo "old_args=$OLD_ARGS new_args=$NEW_ARGS workloads=$WORKLOADS"
    # the arguments, not their values: a header may carry a token
    [ ${#LOADGEN_EXTRA[@]} -gt 0 ] && echo "loadgen_args=${#LOADGEN_EXTRA[@]} extra: $(printf '%s\n' "${LOADGEN_EXTRA[@]}" \
        | sed -E 's/^(Authorization: *[A-Za-z]+ ).*/\1<redacted>/I; s/^(Cookie: *).*/\1<redacted>/I' | paste -sd '|')"
    echo "reps=$REPS short=$SHORT warm=${SB_HS_WARM_S}s handshakes + ${SB_WARM_S}s echo + ${SB_WARM_S}s 1MiB per gateway per rep"
    echo "durations: handshake ${HS_WARM}+${HS_DUR}s (${HS_CONC} conc); latency ${LAT_WARM}+${LAT_DUR}s (${LAT_RATE} msg/s, ${LAT_CONNS} conns); throughput ${THR_WARM}+${THR_DUR}s (${THR_CONNS}x${THR_INFLIGHT}, 64 B); 1 MiB ${BIG_WARM}+${BIG_DUR}s (${BIG_CONNS} conns)"
} > "$OUT_DIR/meta.txt"
cat "$OUT_DIR/meta.txt" >&2

read -r BACKEND_PORT OLD_PORT OLD_MGMT NEW_PORT NEW_MGMT <<< "$("${BENCH_CMD[@]}" free-ports 5 --from 21500)"
[ -n "$NEW_MGMT" ] || { log "could not find free ports"; exit 1; }

# ------------------------------------------------------------------------------------------ quiet machine
# Maven / Surefire JVMs of someone else's build (java processes only, so that no shell whose command
# line merely mentions the words counts).
builds_running() {
    local pid found=""
    for pid in $(pgrep -f 'surefire|failsafe|plexus-classworlds|org\.codehaus\.plexus\.classworlds' 2>/dev/null); do
        [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = java ] && found="$found $pid"
    done
    [ -n "$found" ] && { echo "$found"; return 0; }
    return 1
}
NOT_QUIET_WINDOWS=0
BUILD_WAITED=0
QUIET_NOTE=""
# Before every measured window: no Maven/Surefire JVM (poll every 30 s, BUILD_WAIT_MAX_S in total over the
# run), then as run.sh: whole machine below OTHER_MAX_PCT % of a core (at most 30 s each, 120 s per run).
wait_quiet() {
    local pids b waited=0
    QUIET_NOTE=""
    while pids=$(builds_running); do
        if [ "$BUILD_WAIT_LEFT" -le 0 ]; then
            log "  WARNING: Maven/Surefire still running (pids$pids) and the ${BUILD_WAIT_MAX_S} s wait budget is spent: measuring anyway"
            QUIET_NOTE="build_running=1"
            NOT_QUIET_WINDOWS=$((NOT_QUIET_WINDOWS + 1))
            break
        fi
        log "  Maven/Surefire running (pids$pids): waiting 30 s (budget left ${BUILD_WAIT_LEFT} s)"
        sleep 30
        BUILD_WAIT_LEFT=$((BUILD_WAIT_LEFT - 30)); BUILD_WAITED=$((BUILD_WAITED + 30))
    done
    while :; do
        b=$(machine_busy 0.5)
        if [ "$b" -le "$OTHER_MAX_PCT" ] || [ "$waited" -ge 30 ] || [ "$BUSY_BUDGET" -le 0 ]; then
            [ "$waited" -gt 0 ] && log "  waited ${waited} s for a quiet machine (now ${b}% of a core busy)"
            return 0
        fi
        sleep 1.5
        waited=$((waited + 2)); BUSY_BUDGET=$((BUSY_BUDGET - 2))
    done
}

# ------------------------------------------------------------------------------------------ gateways
gw_port() { if [ "$1" = old ]; then echo "$OLD_PORT"; else echo "$NEW_PORT"; fi; }
gw_pid() { if [ "$1" = old ]; then echo "$OLD_PID"; else echo "$NEW_PID"; fi; }
gw_url() { echo "ws://127.0.0.1:$(gw_port "$1")/echo"; }

side_args() { if [ "$1" = old ]; then echo "$OLD_ARGS"; else echo "$NEW_ARGS"; fi; }
side_jvm_opts() { if [ "$1" = old ]; then echo "${OLD_JVM_OPTS:-}"; else echo "${NEW_JVM_OPTS:-}"; fi; }

start_gw() { # old|new rep  (same arguments as run.sh's start_sb, "metrics and access log off")
    local g=$1 rep=$2 port mport
    if [ "$g" = old ]; then port=$OLD_PORT; mport=$OLD_MGMT; else port=$NEW_PORT; mport=$NEW_MGMT; fi
    # shellcheck disable=SC2086
    "$SB_JAVA" $SB_JVM_OPTS $(side_jvm_opts "$g") -jar "$OUT_DIR/gw-$g.jar" \
        "--server.port=$port" \
        "--management.server.port=$mport" \
        "--spring.cloud.gateway.server.webflux.routes[0].id=echo" \
        "--spring.cloud.gateway.server.webflux.routes[0].uri=ws://127.0.0.1:$BACKEND_PORT" \
        "--spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/**" \
        "--spring.cloud.gateway.server.webflux.httpclient.websocket.max-frame-payload-length=16777216" \
        $SB_EXTRA_ARGS $SB_METRICS_OFF_ARGS $(side_args "$g") > "$LOGS/r$rep-gw-$g.log" 2>&1 &
    if [ "$g" = old ]; then OLD_PID=$!; else NEW_PID=$!; fi
}

warm_gw() { # old|new  (run.sh: SB_HS_WARM_S s handshakes, SB_WARM_S s echo, SB_WARM_S s 1 MiB; not recorded)
    local url
    url=$(gw_url "$1")
    [ "$SB_HS_WARM_S" != 0 ] && "${BENCH_CMD[@]}" loadgen handshake --url "$url" --concurrency "$HS_CONC" \
        --warmup 0 --duration "$SB_HS_WARM_S" "${LOADGEN_EXTRA[@]}" > /dev/null 2>&1
    if [ "$SB_WARM_S" != 0 ]; then
        "${BENCH_CMD[@]}" loadgen throughput --url "$url" --connections "$THR_CONNS" --inflight "$THR_INFLIGHT" \
            --warmup 0 --duration "$SB_WARM_S" "${LOADGEN_EXTRA[@]}" > /dev/null 2>&1
        "${BENCH_CMD[@]}" loadgen large --url "$url" --connections "$BIG_CONNS" \
            --warmup 0 --duration "$SB_WARM_S" "${LOADGEN_EXTRA[@]}" > /dev/null 2>&1
    fi
}

workload_args() {
    case "$1" in
        handshake) echo "--concurrency $HS_CONC --warmup $HS_WARM --duration $HS_DUR" ;;
        latency) echo "--connections $LAT_CONNS --rate $LAT_RATE --size 64 --warmup $LAT_WARM --duration $LAT_DUR" ;;
        throughput) echo "--connections $THR_CONNS --inflight $THR_INFLIGHT --size 64 --warmup $THR_WARM --duration $THR_DUR" ;;
        large) echo "--connections $BIG_CONNS --inflight 1 --size 1048576 --warmup $BIG_WARM --duration $BIG_DUR" ;;
        probe) echo "--size 1048576" ;;
    esac
}

summarize() {
    local l=$1 k
    for k in ok rate lat_p99_us lost msgs_per_s mib_per_s errors error cpu_proxy_s; do
        printf '%s ' "$(grep -o " $k=[^ ]*" <<< "$l" | head -n 1)"
    done | tr -s ' '
}

run_lg() { # rep old|new workload pos   -> one RESULT line in $RESULTS
    local rep=$1 g=$2 w=$3 pos=$4 pid
    pid=$(gw_pid "$g")
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "RESULT rep=$rep gw=$g pos=$pos workload=$w ok=0 error=gateway_not_running" >> "$RESULTS"
        log "  $g $w: SKIPPED (gateway not running)"
        return 1
    fi
    # shellcheck disable=SC2046
    measured_window "$g $w" "$LOGS/r$rep-$g-$w" "rep=$rep gw=$g pos=$pos workload=$w" \
        "${BENCH_CMD[@]}" loadgen "$w" --url "$(gw_url "$g")" --clk-tck "$CLK_TCK" \
        --tag "rep=$rep" --tag "gw=$g" --tag "pos=$pos" --cpu "backend=$BACKEND_PID" --cpu "proxy=$pid" \
        $(workload_args "$w") $(alloc_args "$w" "$pid") "${LOADGEN_EXTRA[@]}"
}

# The handshake windows also read the gateway's heap allocation (the bench's attach agent), before and after
alloc_args() { [ "$1" = handshake ] && echo "--alloc $2 --agent $OUT_DIR/bench-agent.jar"; }

# ------------------------------------------------------------------------------------------ echo backend
log "echo backend on :$BACKEND_PORT; gateways: $OLD_LABEL :$OLD_PORT, $NEW_LABEL :$NEW_PORT"
"$JAVA" $TOOL_OPTS -jar "$OUT_DIR/bench.jar" echo-server --port "$BACKEND_PORT" > "$LOGS/backend.log" 2>&1 &
BACKEND_PID=$!
wait_port "$BACKEND_PORT" 30 "$BACKEND_PID" || { cat "$LOGS/backend.log" >&2; log "the echo backend did not start"; exit 1; }

# ------------------------------------------------------------------------------------------ the run
for rep in $(seq 1 "$REPS"); do
    if [ $((rep % 2)) -eq 1 ]; then ORDER=(old new); else ORDER=(new old); fi
    log "=== repetition $rep of $REPS (order: ${ORDER[*]}) ==="
    stop_pid "$OLD_PID"; OLD_PID=""
    stop_pid "$NEW_PID"; NEW_PID=""
    up=()
    for g in "${ORDER[@]}"; do start_gw "$g" "$rep"; done
    for g in "${ORDER[@]}"; do
        t0=$(date +%s)
        if wait_port "$(gw_port "$g")" 120 "$(gw_pid "$g")"; then
            out="$LOGS/r$rep-$g-probe.out"
            if "${BENCH_CMD[@]}" loadgen probe --url "$(gw_url "$g")" $(workload_args probe) "${LOADGEN_EXTRA[@]}" \
                > "$out" 2>&1; then
                up+=("$g")
            else
                fail "$g does not echo (rep $rep: $(grep -o 'error=[^ ]*' "$out" | head -n 1))"
            fi
        else
            tail -n 20 "$LOGS/r$rep-gw-$g.log" >&2
            fail "$g did not start (rep $rep, see $LOGS/r$rep-gw-$g.log)"
        fi
    done
    [ ${#up[@]} -gt 0 ] || { log "no gateway is up: giving up"; exit 1; }
    for g in "${ORDER[@]}"; do
        log "warming up $g (${SB_HS_WARM_S} s handshakes, ${SB_WARM_S} s echo, ${SB_WARM_S} s 1 MiB)"
        warm_gw "$g"
    done
    for w in $WORKLOADS; do
        pos=1
        for g in "${ORDER[@]}"; do
            run_lg "$rep" "$g" "$w" "$pos"
            pos=$((pos + 1))
        done
    done
done
stop_pid "$OLD_PID"; OLD_PID=""
stop_pid "$NEW_PID"; NEW_PID=""

# ------------------------------------------------------------------------------------------ report
TOTAL_S=$(( $(date +%s) - RUN_T0 ))
{
    echo "total_s=$TOTAL_S"
    echo "build_wait_s=$BUILD_WAITED (Maven/Surefire; budget ${BUILD_WAIT_MAX_S} s) windows_measured_while_build_running=$NOT_QUIET_WINDOWS"
    echo "windows_remeasured=$((RETRY_BUDGET0 - RETRY_BUDGET)) (other processes > ${OTHER_MAX_PCT}% of a core)"
} >> "$OUT_DIR/meta.txt"

# one row per (metric, rep, gateway): METRIC rep gw value other_pct
awk '
    /^RESULT / {
        delete v
        for (i = 2; i <= NF; i++) { p = index($i, "="); v[substr($i, 1, p - 1)] = substr($i, p + 1) }
        r = v["rep"]; g = v["gw"]; w = v["workload"]; o = v["other_pct"] + 0
        if (v["ok"] != 1) { print "FAILED_" w, r, g, "nan", o; next }
        cpu = v["cpu_proxy_s"]
        if (w == "handshake") {
            print "hs_rate", r, g, v["rate"], o
            if (v["ok_cycles"] > 0) print "hs_cpu_us", r, g, cpu * 1e6 / v["ok_cycles"], o
            print "hs_open_p99_ms", r, g, v["open_p99_us"] / 1000, o
            if (v["alloc_per_cycle_bytes"] > 0) print "hs_alloc_kib", r, g, v["alloc_per_cycle_bytes"] / 1024, o
        } else if (w == "latency") {
            print "lat_p99_us", r, g, v["lat_p99_us"], o
            print "lat_p50_us", r, g, v["lat_p50_us"], o
            if (v["received"] > 0) print "lat_cpu_us", r, g, cpu * 1e6 / v["received"], o
            print "lat_sendlag_p99_us", r, g, v["sendlag_p99_us"], o
        } else if (w == "throughput") {
            print "thr_msgs", r, g, v["msgs_per_s"], o
            if (v["messages"] > 0) print "thr_cpu_us", r, g, cpu * 1e6 / v["messages"], o
        } else if (w == "large") {
            print "big_mib", r, g, v["mib_per_s"], o
            if (v["messages"] > 0) print "big_cpu_ms", r, g, cpu * 1e3 / (v["messages"] * v["size"] / 1048576), o
        }
    }' "$RESULTS" > "$OUT_DIR/metrics.txt"

report() {
    awk -v OL="$OLD_LABEL" -v NL="$NEW_LABEL" -v REPS="$REPS" '
    function med(a, n,   i, j, t, b) {
        for (i = 1; i <= n; i++) b[i] = a[i]
        for (i = 2; i <= n; i++) { t = b[i]; for (j = i - 1; j >= 1 && b[j] > t; j--) b[j + 1] = b[j]; b[j + 1] = t }
        if (n == 0) return "nan"
        return (n % 2) ? b[(n + 1) / 2] : (b[n / 2] + b[n / 2 + 1]) / 2
    }
    function mn(a, n,   i, m) { m = a[1]; for (i = 2; i <= n; i++) if (a[i] < m) m = a[i]; return m }
    function mx(a, n,   i, m) { m = a[1]; for (i = 2; i <= n; i++) if (a[i] > m) m = a[i]; return m }
    function f(x) { if (x == "nan" || x == "") return "-"; if (x >= 1000) return sprintf("%.0f", x); if (x >= 10) return sprintf("%.1f", x); return sprintf("%.3g", x) }
    BEGIN {
        split("hs_rate hs_cpu_us hs_open_p99_ms hs_alloc_kib lat_p99_us lat_p50_us lat_cpu_us lat_sendlag_p99_us thr_msgs thr_cpu_us big_mib big_cpu_ms", order, " ")
        name["hs_rate"] = "Handshakes/s (32 concurrent)"; better["hs_rate"] = "higher"
        name["hs_cpu_us"] = "Gateway CPU per handshake (us)"; better["hs_cpu_us"] = "lower"
        name["hs_open_p99_ms"] = "Handshake p99 connect->first echo (ms)"; better["hs_open_p99_ms"] = "lower"
        name["hs_alloc_kib"] = "Gateway heap allocated per handshake (KiB)"; better["hs_alloc_kib"] = "lower"
        name["lat_p99_us"] = "Echo p99 at 5,000 msg/s (us)"; better["lat_p99_us"] = "lower"
        name["lat_p50_us"] = "Echo p50 at 5,000 msg/s (us)"; better["lat_p50_us"] = "lower"
        name["lat_cpu_us"] = "Gateway CPU per msg at 5,000 msg/s (us)"; better["lat_cpu_us"] = "lower"
        name["lat_sendlag_p99_us"] = "  (load generator send lag p99, us)"; better["lat_sendlag_p99_us"] = "lower"
        name["thr_msgs"] = "Echo 64 B msg/s (50x16 pipelined)"; better["thr_msgs"] = "higher"
        name["thr_cpu_us"] = "Gateway CPU per 64 B msg (us)"; better["thr_cpu_us"] = "lower"
        name["big_mib"] = "1 MiB echo MiB/s (4 conns)"; better["big_mib"] = "higher"
        name["big_cpu_ms"] = "Gateway CPU per MiB echoed (ms)"; better["big_cpu_ms"] = "lower"
    }
    {
        k = $1; r = $2; g = $3
        if (k ~ /^FAILED_/) { failed[k " rep " r " " g] = 1; next }
        val[k, r, g] = $4; have[k, r, g] = 1
        if ($5 > maxo[k]) maxo[k] = $5
    }
    END {
        printf "%-50s | %-28s | %-28s | %-7s | %-24s | %s\n", "Metric", OL " median [min-max]", NL " median [min-max]", NL "/" OL, "paired " NL "/" OL " per rep", "max other%"
        printf "%s\n", "---------------------------------------------------+------------------------------+------------------------------+---------+--------------------------+-----------"
        for (i = 1; order[i] != ""; i++) {
            k = order[i]; no = 0; nn = 0; pr = ""
            delete A; delete B
            for (r = 1; r <= REPS; r++) {
                if (have[k, r, "old"]) A[++no] = val[k, r, "old"]
                if (have[k, r, "new"]) B[++nn] = val[k, r, "new"]
                if (have[k, r, "old"] && have[k, r, "new"] && val[k, r, "old"] > 0)
                    pr = pr (pr == "" ? "" : " ") sprintf("%.3f", val[k, r, "new"] / val[k, r, "old"])
            }
            if (no == 0 && nn == 0) continue
            mo = med(A, no); mnew = med(B, nn)
            ratio = (mo != "nan" && mnew != "nan" && mo > 0) ? sprintf("%.3f", mnew / mo) : "-"
            so = no ? sprintf("%s [%s-%s]", f(mo), f(mn(A, no)), f(mx(A, no))) : "-"
            sn = nn ? sprintf("%s [%s-%s]", f(mnew), f(mn(B, nn)), f(mx(B, nn))) : "-"
            printf "%-50s | %-28s | %-28s | %-7s | %-24s | %s\n", name[k] " (" better[k] ")", so, sn, ratio, pr, maxo[k] + 0
        }
        for (x in failed) printf "FAILED window: %s\n", x
    }' "$OUT_DIR/metrics.txt"
}
report | tee "$OUT_DIR/summary.txt"
{
    echo
    echo "Anomalies (handshake errors, lost / bad echoes, connections failed or closed early):"
    grep -E ' (errors=[1-9]|lost=[1-9]|bad_echo=[1-9]|open_failed=[1-9]|closed_early=[1-9]|ok=0)' "$RESULTS" || echo "  none"
    echo
    cat "$OUT_DIR/meta.txt"
    echo "raw results: $RESULTS; logs: $LOGS"
} | tee -a "$OUT_DIR/summary.txt"
log "total time: ${TOTAL_S} s"

if [ ${#FAILURES[@]} -gt 0 ]; then
    log "FAILURES:"
    for f in "${FAILURES[@]}"; do log "  - $f"; done
    exit 1
fi
exit 0
