#!/usr/bin/env bash
# Switchboard benchmark suite: direct vs nginx vs Switchboard, interleaved and repeated.
# Usage: bench/run.sh [--smoke] [--reps N] [--skip-switchboard] [--help]   (see bench/README.md)
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
MODE=full
REPS=${REPS:-}
SKIP_SB=${SKIP_SWITCHBOARD:-0}

usage() {
    sed -n '2,3p' "$0" | sed 's/^# \{0,1\}//'
    cat <<'EOF'

Environment (all optional):
  SWITCHBOARD_JAR=path    use this gateway jar instead of building target/switchboard-*.jar
  SKIP_SWITCHBOARD=1      same as --skip-switchboard (measure direct and nginx only)
  JAVA=java               JVM for the load generator and the echo backend
  SB_JAVA=$JAVA           JVM for Switchboard
  SB_JVM_OPTS="-Xms512m -Xmx512m"        Switchboard JVM options
  SB_EXTRA_ARGS="..."     extra Spring arguments for Switchboard (appended)
  SB_METRICS_ON_ARGS / SB_METRICS_OFF_ARGS   workload 6 (see README)
  SB_HS_WARM_S=30                         unrecorded handshake seconds before the handshake legs
  REPS=3                  repetitions (full mode)
EOF
}

while [ $# -gt 0 ]; do
    case "$1" in
        --smoke) MODE=smoke ;;
        --reps) REPS=$2; shift ;;
        --reps=*) REPS=${1#--reps=} ;;
        --skip-switchboard) SKIP_SB=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

# ------------------------------------------------------------------------------------------ parameters
if [ "$MODE" = smoke ]; then
    REPS=${REPS:-1}
    HS_CONC=4;  HS_WARM=0.3; HS_DUR=1
    LAT_CONNS=10; LAT_RATE=500; LAT_WARM=0.3; LAT_DUR=1
    THR_CONNS=4; THR_INFLIGHT=4; THR_WARM=0.3; THR_DUR=1
    BIG_CONNS=1; BIG_WARM=0.3; BIG_DUR=1
    IDLE_N=50
    COLD_S=2; PREWARM_S=0.5; SB_WARM_S=0; SB_HS_WARM_S=0
    OUT_DIR=$BENCH_DIR/target/smoke
    REPORT_OUT=$OUT_DIR/RESULTS.md
    MAX_ATTEMPTS=1
else
    REPS=${REPS:-3}
    HS_CONC=32; HS_WARM=4; HS_DUR=8
    LAT_CONNS=100; LAT_RATE=5000; LAT_WARM=3; LAT_DUR=8
    THR_CONNS=50; THR_INFLIGHT=16; THR_WARM=3; THR_DUR=8
    BIG_CONNS=4; BIG_WARM=2; BIG_DUR=8
    IDLE_N=5000
    # SB_HS_WARM_S: unrecorded handshakes after the cold-start window. C2 needs ~40 s of handshake load
    # on 2 shared cores to compile the whole Reactor/WebFlux/gateway path; measured after 19 s, the rate
    # was half the steady state (see RESULTS.md, JIT warm-up).
    COLD_S=15; PREWARM_S=3; SB_WARM_S=5; SB_HS_WARM_S=${SB_HS_WARM_S:-30}
    OUT_DIR=$BENCH_DIR/target/full
    REPORT_OUT=$BENCH_DIR/RESULTS.md
    MAX_ATTEMPTS=${MAX_ATTEMPTS:-3}
fi

OTHER_MAX_PCT=${OTHER_MAX_PCT:-25}
RETRY_BUDGET=${RETRY_BUDGET:-8}
QUIET_BUDGET=${QUIET_BUDGET:-120}
QUIET_BUDGET0=$QUIET_BUDGET
RETRY_BUDGET0=$RETRY_BUDGET
JAVA=${JAVA:-java}
SB_JAVA=${SB_JAVA:-$JAVA}
SB_JVM_OPTS=${SB_JVM_OPTS:--Xms512m -Xmx512m}
SB_EXTRA_ARGS=${SB_EXTRA_ARGS:-}
# Workload 6: the main Switchboard leg runs like nginx (access_log off): no access log, no Switchboard
# meters; a second Switchboard with both on measures what observability costs.
SB_METRICS_OFF_ARGS=${SB_METRICS_OFF_ARGS---switchboard.access-log.enabled=false --management.metrics.enable.switchboard=false}
SB_METRICS_ON_ARGS=${SB_METRICS_ON_ARGS---switchboard.access-log.enabled=true --management.metrics.enable.switchboard=true}
TOOL_OPTS="-Xms256m -Xmx1g -XX:+AlwaysPreTouch -Dio.netty.leakDetection.level=disabled"
BENCH_JAR=$BENCH_DIR/target/switchboard-bench.jar
AGENT_JAR=$BENCH_DIR/target/switchboard-bench-agent.jar
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
# shellcheck source=bench/common.sh
source "$BENCH_DIR/common.sh"

RESULTS=$OUT_DIR/results.txt
META=$OUT_DIR/meta.txt
LOGS=$OUT_DIR/logs
RUN_T0=$(date +%s)
FAILURES=()

log() { echo "[run.sh $(date +%H:%M:%S)] $*" >&2; }
fail() { log "FAILED: $*"; FAILURES+=("$*"); }
meta() { echo "$1=$2" >> "$META"; }
thousands() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<< "$1"; }

# ------------------------------------------------------------------------------------------ processes
BACKEND_PID=""; NGINX_PID=""; SB_PID=""; SBM_PID=""; BG_LG=""

cleanup() {
    for pid in "$BG_LG" "$SBM_PID" "$SB_PID" "$NGINX_PID" "$BACKEND_PID"; do
        stop_pid "$pid"
    done
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

rss_kb() { # sum of VmRSS of the given PIDs, in kB
    local sum=0 pid v
    for pid in "$@"; do
        v=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
        sum=$(( sum + ${v:-0} ))
    done
    echo "$sum"
}

# ------------------------------------------------------------------------------------------ preparation
rm -rf "$OUT_DIR"
mkdir -p "$OUT_DIR" "$LOGS" "$OUT_DIR/tmp"
: > "$RESULTS"
: > "$META"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

if [ -x "$REPO_DIR/mvnw" ]; then MVN="$REPO_DIR/mvnw"; else MVN=mvn; fi

newer_than() { # jar paths... : true if jar missing or any given path has a file newer than it
    local jar=$1; shift
    [ -f "$jar" ] || return 0
    [ -n "$(find "$@" -type f -newer "$jar" 2>/dev/null | head -n 1)" ]
}

if newer_than "$BENCH_JAR" "$BENCH_DIR/src" "$BENCH_DIR/pom.xml" || [ ! -f "$AGENT_JAR" ]; then
    log "building the load generator / echo backend (bench/pom.xml)"
    if ! (cd "$REPO_DIR" && "$MVN" -q -B -f "$BENCH_DIR/pom.xml" -DskipTests package) > "$LOGS/build-bench.log" 2>&1; then
        cat "$LOGS/build-bench.log" >&2
        log "could not build bench/"; exit 1
    fi
fi
BENCH_CMD=("$JAVA" $TOOL_OPTS -jar "$BENCH_JAR")

# Switchboard jar
SB_JAR=""
if [ "$SKIP_SB" = 1 ]; then
    log "Switchboard leg skipped (--skip-switchboard)"
elif [ -n "${SWITCHBOARD_JAR:-}" ]; then
    SB_JAR=$SWITCHBOARD_JAR
    [ -f "$SB_JAR" ] || { log "SWITCHBOARD_JAR=$SB_JAR does not exist"; exit 1; }
else
    find_sb_jar() { ls -t "$REPO_DIR"/target/switchboard-*.jar 2>/dev/null | grep -vE -- '-(sources|javadoc|plain|tests)\.jar$' | head -n 1; }
    SB_JAR=$(find_sb_jar)
    if [ -z "$SB_JAR" ] || newer_than "$SB_JAR" "$REPO_DIR/src/main" "$REPO_DIR/pom.xml"; then
        log "building Switchboard ($MVN -q -DskipTests package in $REPO_DIR)"
        if (cd "$REPO_DIR" && "$MVN" -q -B -DskipTests package) > "$LOGS/build-switchboard.log" 2>&1; then
            SB_JAR=$(find_sb_jar)
        else
            tail -n 40 "$LOGS/build-switchboard.log" >&2
            SB_JAR=""
        fi
    fi
    if [ -z "$SB_JAR" ]; then
        fail "Switchboard could not be built (see $LOGS/build-switchboard.log)"
    fi
fi

# Run a private copy: a rebuild of target/*.jar during the run cannot pull the jar from under the JVM,
# and nothing aimed at the usual jar name hits the instance being measured.
if [ -n "$SB_JAR" ]; then
    SB_RUN_JAR=$OUT_DIR/switchboard-under-test.jar
    cp "$SB_JAR" "$SB_RUN_JAR" || { log "cannot copy $SB_JAR"; exit 1; }
fi

# nginx
find_nginx() { command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; }; }
NGINX_BIN=$(find_nginx)
if [ -z "$NGINX_BIN" ]; then
    log "nginx missing: installing it with apt-get (its service is not started)"
    if "$REPO_DIR/.ci/apt-install" nginx > "$LOGS/apt.log" 2>&1; then
        NGINX_BIN=$(find_nginx)
    fi
    [ -n "$NGINX_BIN" ] || { tail -n 20 "$LOGS/apt.log" >&2; fail "nginx could not be installed"; }
fi

# ports
read -r BACKEND_PORT NGINX_PORT SB_PORT SB_MGMT_PORT SBM_PORT SBM_MGMT_PORT <<< "$("${BENCH_CMD[@]}" free-ports 6 --from 21000)"
[ -n "$SBM_MGMT_PORT" ] || { log "could not find free ports"; exit 1; }

# ------------------------------------------------------------------------------------------ metadata
meta mode "$MODE"
meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta nproc "$(nproc)"
meta cpu_model "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
meta mem_total "$(awk '/^MemTotal:/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
meta kernel "$(uname -sr)"
meta java_tools "$("$JAVA" -version 2>&1 | sed -n 2p)"
meta reps "$REPS"
meta p_hs_conc "$HS_CONC"
meta p_lat_rate "$(thousands "$LAT_RATE")"
meta p_lat_conns "$LAT_CONNS"
meta p_thr_conns "$THR_CONNS"
meta p_thr_inflight "$THR_INFLIGHT"
meta p_big_conns "$BIG_CONNS"
meta p_idle_n "$(thousands "$IDLE_N")"
meta cold_s "$COLD_S"
meta durations "handshake ${HS_WARM}+${HS_DUR} s (${HS_CONC} concurrent); latency ${LAT_WARM}+${LAT_DUR} s (${LAT_RATE} msg/s, ${LAT_CONNS} conns); throughput ${THR_WARM}+${THR_DUR} s (${THR_CONNS}x${THR_INFLIGHT}); 1 MiB ${BIG_WARM}+${BIG_DUR} s (${BIG_CONNS} conns); idle ${IDLE_N} tunnels (warm-up + measured seconds)"
if [ -n "$NGINX_BIN" ]; then
    meta nginx_version "$("$NGINX_BIN" -v 2>&1 | sed 's/^nginx version: //')"
    meta nginx_workers "auto ($(nproc) workers), worker_connections 16384, worker_rlimit_nofile 20000, access_log off"
fi
if [ -n "$SB_JAR" ]; then
    meta java_sb "$("$SB_JAVA" -version 2>&1 | sed -n 2p)"
    meta sb_jvm_opts "$SB_JVM_OPTS"
    meta sb_args "one route to the echo backend; legs 1-5: ${SB_METRICS_OFF_ARGS:-defaults} (as nginx: access_log off); workload 6: ${SB_METRICS_ON_ARGS:-not run}; warm-up before the handshake legs: ${COLD_S} s cold + ${SB_HS_WARM_S} s handshakes"
    meta sb_jar "$SB_JAR ($(date -u -r "$SB_JAR" '+%Y-%m-%d %H:%M UTC'))"
fi
GIT_REV=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo "no commit yet")
[ -n "$(git -C "$REPO_DIR" status --porcelain 2>/dev/null | head -n 1)" ] && GIT_REV="$GIT_REV (with uncommitted changes)"
meta git_rev "$GIT_REV"
SKIPPED=""
[ "$SKIP_SB" = 1 ] && SKIPPED="switchboard (--skip-switchboard)"
[ -n "$SKIPPED" ] && meta skipped "$SKIPPED"

# background load: what else is using the CPU right now
read -r _ u1 n1 s1 i1 w1 q1 sq1 st1 _ < /proc/stat
sleep 1
read -r _ u2 n2 s2 i2 w2 q2 sq2 st2 _ < /proc/stat
BG_TOTAL=$(( (u2+n2+s2+i2+w2+q2+sq2+st2) - (u1+n1+s1+i1+w1+q1+sq1+st1) ))
BG_BUSY=$(( BG_TOTAL > 0 ? 100 * (BG_TOTAL - (i2+w2-i1-w1)) / BG_TOTAL : 0 ))
meta background_busy "${BG_BUSY}% of all cores busy in the second before the run"
[ "$BG_BUSY" -gt 20 ] && log "WARNING: the machine is already ${BG_BUSY}% busy: figures will be noisy"

# ------------------------------------------------------------------------------------------ echo backend
log "starting the echo backend on :$BACKEND_PORT"
"$JAVA" $TOOL_OPTS -jar "$BENCH_JAR" echo-server --port "$BACKEND_PORT" > "$LOGS/backend.log" 2>&1 &
BACKEND_PID=$!
if ! wait_port "$BACKEND_PORT" 30 "$BACKEND_PID"; then
    cat "$LOGS/backend.log" >&2
    log "the echo backend did not start"; exit 1
fi

# ------------------------------------------------------------------------------------------ nginx
NGINX_DIR=$OUT_DIR/nginx
start_nginx() {
    write_nginx_conf "$NGINX_DIR" "$NGINX_PORT" "$BACKEND_PORT"
    "$NGINX_BIN" -p "$NGINX_DIR/" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/logs/error.log" > "$LOGS/nginx.log" 2>&1 &
    NGINX_PID=$!
    if ! wait_port "$NGINX_PORT" 20 "$NGINX_PID"; then
        cat "$LOGS/nginx.log" "$NGINX_DIR/logs/error.log" >&2 2>/dev/null
        fail "nginx did not start"
        stop_pid "$NGINX_PID"; NGINX_PID=""
        return 1
    fi
    sleep 0.3
    NGINX_WORKERS=$(pgrep -P "$NGINX_PID" | tr '\n' ' ')
    echo "$NGINX_PID $NGINX_WORKERS" > "$OUT_DIR/tmp/nginx.pids"
    log "nginx on :$NGINX_PORT (master $NGINX_PID, workers $NGINX_WORKERS)"
}
if [ -n "$NGINX_BIN" ]; then
    start_nginx
else
    fail "nginx leg not run (no nginx)"
fi

# ------------------------------------------------------------------------------------------ Switchboard
JCMD=jcmd
SB_JAVA_PATH=$(command -v "$SB_JAVA" 2>/dev/null)
[ -n "$SB_JAVA_PATH" ] && [ -x "$(dirname "$(readlink -f "$SB_JAVA_PATH")")/jcmd" ] && JCMD="$(dirname "$(readlink -f "$SB_JAVA_PATH")")/jcmd"

# start_sb VAR_FOR_PID port mgmt_port logname extra-args...
start_sb() {
    local var=$1 port=$2 mport=$3 logname=$4; shift 4
    # shellcheck disable=SC2086
    "$SB_JAVA" $SB_JVM_OPTS -jar "$SB_RUN_JAR" \
        "--server.port=$port" \
        "--management.server.port=$mport" \
        "--spring.cloud.gateway.server.webflux.routes[0].id=echo" \
        "--spring.cloud.gateway.server.webflux.routes[0].uri=ws://127.0.0.1:$BACKEND_PORT" \
        "--spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/**" \
        "--spring.cloud.gateway.server.webflux.httpclient.websocket.max-frame-payload-length=16777216" \
        $SB_EXTRA_ARGS "$@" > "$LOGS/$logname.log" 2>&1 &
    printf -v "$var" '%s' "$!"
}

# ------------------------------------------------------------------------------------------ running the load generator
leg_url() {
    case "$1" in
        direct) echo "ws://127.0.0.1:$BACKEND_PORT/echo" ;;
        nginx) echo "ws://127.0.0.1:$NGINX_PORT/echo" ;;
        switchboard) echo "ws://127.0.0.1:$SB_PORT/echo" ;;
        switchboard_metrics) echo "ws://127.0.0.1:$SBM_PORT/echo" ;;
    esac
}

leg_up() {
    case "$1" in
        direct) kill -0 "$BACKEND_PID" 2>/dev/null ;;
        nginx) [ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null ;;
        switchboard) [ -n "$SB_PID" ] && kill -0 "$SB_PID" 2>/dev/null ;;
        switchboard_metrics) [ -n "$SBM_PID" ] && kill -0 "$SBM_PID" 2>/dev/null ;;
    esac
}

leg_cpu_args() {
    case "$1" in
        nginx) echo "--cpu proxy=$(tr ' ' ',' < "$OUT_DIR/tmp/nginx.pids" | sed 's/,*$//')" ;;
        switchboard) echo "--cpu proxy=$SB_PID" ;;
        switchboard_metrics) echo "--cpu proxy=$SBM_PID" ;;
    esac
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

# record a RESULT line (adds nothing if the load generator printed none: then a failure line)
record() { # rep leg workload outfile [extra key=values]
    local rep=$1 leg=$2 w=$3 out=$4; shift 4
    local line
    line=$(grep '^RESULT ' "$out" | tail -n 1)
    if [ -z "$line" ]; then
        line="RESULT rep=$rep leg=$leg workload=$w ok=0 error=no_result_(see_$(basename "$out"))"
    fi
    [ $# -gt 0 ] && line="$line $*"
    echo "$line" >> "$RESULTS"
    echo "$line"
}

# Before a measurement (full run only): wait, up to 30 s each and QUIET_BUDGET s per run, until the
# machine is quiet (the proxies and the backend are idle then, so what is busy is someone else).
wait_quiet() {
    [ "$MAX_ATTEMPTS" -gt 1 ] || return 0
    local waited=0 b
    while :; do
        b=$(machine_busy 0.5)
        if [ "$b" -le "$OTHER_MAX_PCT" ] || [ "$waited" -ge 30 ] || [ "$QUIET_BUDGET" -le 0 ]; then
            [ "$waited" -gt 0 ] && log "  waited ${waited} s for a quiet machine (now ${b}% of a core busy)"
            return 0
        fi
        sleep 1.5
        waited=$((waited + 2))
        QUIET_BUDGET=$((QUIET_BUDGET - 2))
    done
}

# run_lg rep leg workload [extra loadgen args...]  -> appends one RESULT line (measured_window: a window
# disturbed by other processes is measured again, the least disturbed attempt kept)
run_lg() {
    local rep=$1 leg=$2 w=$3; shift 3
    if ! leg_up "$leg"; then
        echo "RESULT rep=$rep leg=$leg workload=$w ok=0 error=${leg}_not_running" >> "$RESULTS"
        log "  $leg $w: SKIPPED ($leg is not running)"
        return 1
    fi
    # shellcheck disable=SC2046
    measured_window "$leg $w" "$LOGS/r$rep-$leg-$w" "rep=$rep leg=$leg workload=$w" \
        "${BENCH_CMD[@]}" loadgen "$w" --url "$(leg_url "$leg")" --clk-tck "$CLK_TCK" \
        --tag "rep=$rep" --tag "leg=$leg" --cpu "backend=$BACKEND_PID" $(leg_cpu_args "$leg") \
        $(workload_args "$w") "$@"
}

summarize() {
    local l=$1 k
    for k in ok rate open_p99_us lat_p50_us lat_p99_us lost msgs_per_s mib_per_s errors error cpu_proxy_s cpu_lg_s; do
        printf '%s ' "$(grep -o " $k=[^ ]*" <<< "$l" | head -n 1)"
    done | tr -s ' '
}

# idle tunnels: memory before / after opening N tunnels through the proxy
jvm_mem() { # pid prefix -> key=value list: heap_PREFIX netty_direct_PREFIX nio_direct_PREFIX rss_PREFIX (bytes)
    local pid=$1 p=$2 heap nd
    printf 'GC.run\nGC.run\nGC.heap_info\n' > "$OUT_DIR/tmp/jcmd.txt"
    heap=$("$JCMD" "$pid" -f "$OUT_DIR/tmp/jcmd.txt" 2>/dev/null | grep ' total ' | grep -o 'used [0-9]*K' | awk '{s += $2} END {print s * 1024}')
    nd=$("${BENCH_CMD[@]}" jvm-mem --pid "$pid" --agent "$AGENT_JAR" 2>/dev/null)
    local ndirect allocd niod
    ndirect=$(grep -o 'netty_direct=[-0-9]*' <<< "$nd" | cut -d= -f2)
    allocd=$(grep -o 'alloc_direct=[-0-9]*' <<< "$nd" | cut -d= -f2)
    niod=$(grep -o 'nio_direct=[-0-9]*' <<< "$nd" | cut -d= -f2)
    echo "heap_$p=${heap:--1} netty_direct_$p=${ndirect:--1} alloc_direct_$p=${allocd:--1} nio_direct_$p=${niod:--1} rss_$p=$(( $(rss_kb "$pid") * 1024 ))"
}

nginx_mem() { # prefix
    local workers
    workers=$(pgrep -P "$NGINX_PID" | tr '\n' ' ')
    # shellcheck disable=SC2086
    echo "rss_$1=$(( $(rss_kb $workers) * 1024 )) rss_master_$1=$(( $(rss_kb "$NGINX_PID") * 1024 ))"
}

run_idle() { # rep leg
    local rep=$1 leg=$2
    local out="$LOGS/r$rep-$leg-idle.out" ready="$OUT_DIR/tmp/idle-ready" release="$OUT_DIR/tmp/idle-release"
    if ! leg_up "$leg"; then
        echo "RESULT rep=$rep leg=$leg workload=idle ok=0 error=${leg}_not_running" >> "$RESULTS"
        return 1
    fi
    rm -f "$ready" "$release"
    local before after
    if [ "$leg" = nginx ]; then before=$(nginx_mem before); else before=$(jvm_mem "$SB_PID" before); fi
    "${BENCH_CMD[@]}" loadgen idle --url "$(leg_url "$leg")" --connections "$IDLE_N" --tag "rep=$rep" --tag "leg=$leg" \
        --ready-file "$ready" --release-file "$release" --hold 300 > "$out" 2> "$LOGS/r$rep-$leg-idle.err" &
    local lg=$!
    BG_LG=$lg
    while [ ! -f "$ready" ] && kill -0 "$lg" 2>/dev/null; do sleep 0.1; done
    sleep 1
    if [ "$leg" = nginx ]; then after=$(nginx_mem after); else after=$(jvm_mem "$SB_PID" after); fi
    touch "$release"
    wait "$lg"
    local line
    line=$(record "$rep" "$leg" idle "$out" "$before $after")
    log "  $leg idle: $(grep -oE ' (opened|failed|alive_at_release)=[^ ]*' <<< "$line" | tr -d '\n') | before: $before | after: $after"
}

# ------------------------------------------------------------------------------------------ probes: does every leg work at all?
probe_leg() { # rep leg
    local out="$LOGS/r$1-$2-probe.out"
    "${BENCH_CMD[@]}" loadgen probe --url "$(leg_url "$2")" --tag "rep=$1" --tag "leg=$2" $(workload_args probe) \
        > "$out" 2> "$LOGS/r$1-$2-probe.err"
    local rc=$?
    record "$1" "$2" probe "$out" > /dev/null
    if [ $rc -ne 0 ]; then
        fail "$2 does not echo (probe: $(grep -o 'error=[^ ]*' "$out" | head -n 1))"
    fi
    return $rc
}

probe_leg 0 direct || { log "the direct leg does not work: giving up"; exit 1; }
meta netty "bench/ (Netty 4.2.15.Final, $(grep -o 'transport=[a-z]*' "$LOGS/r0-direct-probe.out" | cut -d= -f2) transport)"
[ -n "$NGINX_PID" ] && probe_leg 0 nginx

LEGS=(direct)
[ -n "$NGINX_BIN" ] && LEGS+=(nginx)
[ -n "$SB_JAR" ] && LEGS+=(switchboard)

# ------------------------------------------------------------------------------------------ the run
restart_switchboard() { # rep: fresh JVM + handshake rate during its first COLD_S seconds (JIT warm-up)
    local rep=$1
    stop_pid "$SB_PID"; SB_PID=""
    stop_pid "$SBM_PID"; SBM_PID=""
    local prewarmed="$OUT_DIR/tmp/prewarmed" out="$LOGS/r$rep-switchboard-cold.out"
    rm -f "$prewarmed" "$OUT_DIR/tmp/sb.pid"
    # The load generator warms itself up on the direct backend, then waits for Switchboard's port and
    # measures from the moment it opens.
    "${BENCH_CMD[@]}" loadgen handshake --url "ws://127.0.0.1:$SB_PORT/echo" --prewarm-url "$(leg_url direct)" \
        --prewarm "$PREWARM_S" --prewarmed-file "$prewarmed" --wait-port --wait-timeout 120 --concurrency "$HS_CONC" \
        --warmup 0 --duration "$COLD_S" --series --clk-tck "$CLK_TCK" --cpu "proxy=@$OUT_DIR/tmp/sb.pid" \
        --cpu "backend=$BACKEND_PID" --tag "rep=$rep" --tag "leg=switchboard" --tag "kind=cold" \
        > "$out" 2> "$LOGS/r$rep-switchboard-cold.err" &
    local lg=$!
    BG_LG=$lg
    while [ ! -f "$prewarmed" ] && kill -0 "$lg" 2>/dev/null; do sleep 0.05; done
    local t0
    t0=$(date +%s%N)
    start_sb SB_PID "$SB_PORT" "$SB_MGMT_PORT" "r$rep-switchboard" $SB_METRICS_OFF_ARGS
    echo "$SB_PID" > "$OUT_DIR/tmp/sb.pid"
    local up=1
    wait_port "$SB_PORT" 120 "$SB_PID" || up=0
    local t1
    t1=$(date +%s%N)
    [ $up = 1 ] || stop_pid "$lg"
    wait "$lg"
    local line
    line=$(record "$rep" switchboard handshake "$out" kind=cold)
    if [ $up = 1 ]; then
        echo "RESULT rep=$rep leg=switchboard workload=startup ok=1 startup_s=$(awk "BEGIN {print ($t1 - $t0) / 1e9}")" >> "$RESULTS"
        log "  switchboard started (pid $SB_PID) in $(awk "BEGIN {printf \"%.1f\", ($t1 - $t0) / 1e9}") s; first ${COLD_S} s: $(summarize "$line")"
    else
        tail -n 30 "$LOGS/r$rep-switchboard.log" >&2
        fail "Switchboard did not start (rep $rep, see $LOGS/r$rep-switchboard.log)"
        stop_pid "$SB_PID"; SB_PID=""
        return 1
    fi
    if ! probe_leg "$rep" switchboard; then
        tail -n 30 "$LOGS/r$rep-switchboard.log" >&2
        return 1
    fi
    if [ "$SB_HS_WARM_S" != 0 ]; then
        "${BENCH_CMD[@]}" loadgen handshake --url "$(leg_url switchboard)" --concurrency "$HS_CONC" \
            --warmup 0 --duration "$SB_HS_WARM_S" > /dev/null 2>&1
    fi
    if [ "$SB_WARM_S" != 0 ]; then
        # general JIT warm-up on the echo path (not recorded)
        "${BENCH_CMD[@]}" loadgen throughput --url "$(leg_url switchboard)" --connections "$THR_CONNS" --inflight "$THR_INFLIGHT" \
            --warmup 0 --duration "$SB_WARM_S" > /dev/null 2>&1
        "${BENCH_CMD[@]}" loadgen large --url "$(leg_url switchboard)" --connections "$BIG_CONNS" \
            --warmup 0 --duration "$SB_WARM_S" > /dev/null 2>&1
    fi
    if [ -n "$SB_METRICS_ON_ARGS" ]; then
        start_sb SBM_PID "$SBM_PORT" "$SBM_MGMT_PORT" "r$rep-switchboard-metrics" $SB_METRICS_ON_ARGS
        if wait_port "$SBM_PORT" 120 "$SBM_PID"; then
            "${BENCH_CMD[@]}" loadgen handshake --url "$(leg_url switchboard_metrics)" --concurrency "$HS_CONC" \
                --warmup 0 --duration "$COLD_S" > /dev/null 2>&1
            "${BENCH_CMD[@]}" loadgen throughput --url "$(leg_url switchboard_metrics)" --connections "$THR_CONNS" \
                --inflight "$THR_INFLIGHT" --warmup 0 --duration "$SB_WARM_S" > /dev/null 2>&1
        else
            fail "Switchboard with metrics on did not start (rep $rep)"
        fi
    fi
}

for rep in $(seq 1 "$REPS"); do
    log "=== repetition $rep of $REPS (legs: ${LEGS[*]}) ==="
    if [ -n "$SB_JAR" ]; then
        log "fresh Switchboard start, handshake rate during the first ${COLD_S} s"
        restart_switchboard "$rep"
    fi
    for w in handshake latency throughput large; do
        for leg in "${LEGS[@]}"; do
            run_lg "$rep" "$leg" "$w"
            if [ "$w" = throughput ] && [ "$leg" = switchboard ] && [ -n "$SB_METRICS_ON_ARGS" ]; then
                run_lg "$rep" switchboard_metrics "$w"
            fi
        done
    done
    for leg in "${LEGS[@]}"; do
        [ "$leg" = direct ] && continue
        run_idle "$rep" "$leg"
    done
done

# ------------------------------------------------------------------------------------------ report
meta total_s "$(( $(date +%s) - RUN_T0 )) s (builds excluded if already up to date)"
if [ "$MAX_ATTEMPTS" -gt 1 ]; then
    meta quiet_wait "$((QUIET_BUDGET0 - QUIET_BUDGET)) s spent waiting for a quiet machine before measurements (budget ${QUIET_BUDGET0} s)"
    meta retries "$((RETRY_BUDGET0 - RETRY_BUDGET)) windows re-measured because other processes used more than ${OTHER_MAX_PCT}% of a core during them (at most $MAX_ATTEMPTS attempts each; the least disturbed one is kept; discarded ones in bench/target/full/disturbed.txt)"
fi
OLD_ARGS=()
[ "$MODE" = full ] && [ -f "$BENCH_DIR/RESULTS.md" ] && OLD_ARGS=(--old "$BENCH_DIR/RESULTS.md")
cp "$RESULTS" "$OUT_DIR/results-copy.txt"
if ! "${BENCH_CMD[@]}" report --results "$RESULTS" --meta "$META" --out "$OUT_DIR/RESULTS.md.tmp" "${OLD_ARGS[@]}" --strict; then
    fail "some leg produced no working result for a workload (see the report)"
fi
mv "$OUT_DIR/RESULTS.md.tmp" "$REPORT_OUT"
log "report: $REPORT_OUT (raw: $RESULTS, logs: $LOGS)"
log "total time: $(( $(date +%s) - RUN_T0 )) s"

if [ ${#FAILURES[@]} -gt 0 ]; then
    log "FAILURES:"
    for f in "${FAILURES[@]}"; do log "  - $f"; done
    exit 1
fi
exit 0
