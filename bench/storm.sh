#!/usr/bin/env bash
# Reconnect-storm benchmark (issue #12): N clients hold tunnels through the proxy, all are cut at once
# and reconnect with jittered exponential backoff; Switchboard against nginx, interleaved and repeated.
# Usage: bench/storm.sh [--smoke] [--reps N] [--clients N] [--variants restart,defaults,warm] [--help]
#
# Variants (each a table of its own in the report):
#   restart   the proxy gets SIGTERM and a fresh one is started on the same port (a rollout on one host);
#             Switchboard with --switchboard.shutdown.accept-delay=0 --switchboard.shutdown.close-spread=0
#             so that its tunnels are cut at once, as nginx's are
#   defaults  the same restart, Switchboard only, with its shipped shutdown (accept-delay 5 s, close-spread
#             10 s: its own storm mitigation); compared with nginx's restart figures
#   warm      the load generator drops every connection at once; the proxy stays up
# Writes bench/RESULTS-storm.md (--smoke: bench/target/storm-smoke/RESULTS-storm.md, nothing else).
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
MODE=full
REPS=${REPS:-}
CLIENTS=${CLIENTS:-}
VARIANTS=${VARIANTS:-restart,warm,defaults}

usage() {
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    cat <<'EOF'

Environment (all optional):
  SWITCHBOARD_JAR=path     gateway jar (default: target/switchboard-*.jar, built when missing or stale)
  SB_APP_DIR=path          start the gateway as the container image does instead: "java -jar switchboard.jar"
                           from this directory (the jar extracted with lib/, as deploy/aot-training.sh uses;
                           put its -XX:AOTCache=... in SB_JVM_OPTS)
  REPORT_OUT=path          where the full run's report goes (default bench/RESULTS-storm.md)
  SB_JVM_OPTS="-Xms512m -Xmx512m"  SB_EXTRA_ARGS="..."  JAVA=java  SB_JAVA=$JAVA
  BACKOFF="--initial-backoff-ms 100 --multiplier 2 --jitter 0.5 --max-backoff-ms 5000"
  CONNECT_TIMEOUT_MS=10000 RAMP_PER_S=1000 STORM_TIMEOUT_S=120 HOLD_S=2
  SB_WARM_S=20             handshake seconds before the warm variant (Switchboard: JIT warm-up)
  OTHER_MAX_PCT=25 QUIET_MAX_S=120   wait (up to QUIET_MAX_S per storm) for a quiet machine
EOF
}

while [ $# -gt 0 ]; do
    case "$1" in
        --smoke) MODE=smoke ;;
        --reps) REPS=$2; shift ;;
        --clients) CLIENTS=$2; shift ;;
        --variants) VARIANTS=$2; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

if [ "$MODE" = smoke ]; then
    REPS=${REPS:-1}; CLIENTS=${CLIENTS:-200}; SB_WARM_S=${SB_WARM_S:-2}; RAMP_PER_S=${RAMP_PER_S:-500}
    OUT_DIR=$BENCH_DIR/target/storm-smoke
    REPORT_OUT=$OUT_DIR/RESULTS-storm.md
    QUIET_MAX_S=${QUIET_MAX_S:-0}
else
    REPS=${REPS:-3}; CLIENTS=${CLIENTS:-10000}; SB_WARM_S=${SB_WARM_S:-20}; RAMP_PER_S=${RAMP_PER_S:-1000}
    OUT_DIR=$BENCH_DIR/target/storm
    REPORT_OUT=${REPORT_OUT:-$BENCH_DIR/RESULTS-storm.md}
    QUIET_MAX_S=${QUIET_MAX_S:-120}
fi
BACKOFF=${BACKOFF:---initial-backoff-ms 100 --multiplier 2 --jitter 0.5 --max-backoff-ms 5000}
CONNECT_TIMEOUT_MS=${CONNECT_TIMEOUT_MS:-10000}
STORM_TIMEOUT_S=${STORM_TIMEOUT_S:-120}
HOLD_S=${HOLD_S:-2}
OTHER_MAX_PCT=${OTHER_MAX_PCT:-25}
JAVA=${JAVA:-java}
SB_JAVA=${SB_JAVA:-$JAVA}
SB_JVM_OPTS=${SB_JVM_OPTS:--Xms512m -Xmx512m}
SB_EXTRA_ARGS=${SB_EXTRA_ARGS:-}
# as run.sh's legs 1-5: like nginx's access_log off
SB_METRICS_OFF_ARGS=${SB_METRICS_OFF_ARGS---switchboard.access-log.enabled=false --management.metrics.enable.switchboard=false}
SB_CUT_AT_ONCE="--switchboard.shutdown.accept-delay=0 --switchboard.shutdown.close-spread=0"
TOOL_OPTS="-Xms256m -Xmx1g -XX:+AlwaysPreTouch -Dio.netty.leakDetection.level=disabled"
BENCH_JAR=$BENCH_DIR/target/switchboard-bench.jar
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
# shellcheck source=bench/common.sh
source "$BENCH_DIR/common.sh"

RESULTS=$OUT_DIR/results.txt
META=$OUT_DIR/meta.txt
LOGS=$OUT_DIR/logs
RUN_T0=$(date +%s)
FAILURES=()
log() { echo "[storm.sh $(date +%H:%M:%S)] $*" >&2; }
fail() { log "FAILED: $*"; FAILURES+=("$*"); }
meta() { echo "$1=$2" >> "$META"; }
now_ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }

rm -rf "$OUT_DIR"
mkdir -p "$OUT_DIR" "$LOGS" "$OUT_DIR/tmp"
: > "$RESULTS"; : > "$META"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# Switchboard holds 2 sockets per tunnel (client + backend) in one process; nginx spreads them over its
# workers. A process may not open more than the hard limit here (no CAP_SYS_RESOURCE to raise it).
FD_HARD=$(ulimit -Hn)
if [ "$FD_HARD" != unlimited ] && [ $(( 2 * CLIENTS + 400 )) -gt "$FD_HARD" ]; then
    WANTED=$CLIENTS
    CLIENTS=$(( (FD_HARD - 400) / 2 / 100 * 100 ))
    log "WARNING: $WANTED tunnels need $(( 2 * WANTED )) sockets in the gateway process, the hard open-files limit is $FD_HARD: running $CLIENTS clients"
    meta clients_reduced "$WANTED requested; the open-files hard limit ($FD_HARD, cannot be raised here) allows $CLIENTS (2 sockets per tunnel in the gateway process + ~400 for the JVM)"
fi

# ------------------------------------------------------------------------------------------ builds
if [ -x "$REPO_DIR/mvnw" ]; then MVN="$REPO_DIR/mvnw"; else MVN=mvn; fi
newer_than() { local jar=$1; shift; [ -f "$jar" ] || return 0; [ -n "$(find "$@" -type f -newer "$jar" 2>/dev/null | head -n 1)" ]; }
if newer_than "$BENCH_JAR" "$BENCH_DIR/src" "$BENCH_DIR/pom.xml"; then
    log "building bench/"
    (cd "$REPO_DIR" && "$MVN" -q -B -f "$BENCH_DIR/pom.xml" -DskipTests package) > "$LOGS/build-bench.log" 2>&1 \
        || { cat "$LOGS/build-bench.log" >&2; log "could not build bench/"; exit 1; }
fi
BENCH_CMD=("$JAVA" $TOOL_OPTS -jar "$BENCH_JAR")
if [ -n "${SWITCHBOARD_JAR:-}" ]; then
    SB_JAR=$SWITCHBOARD_JAR
else
    find_sb_jar() { ls -t "$REPO_DIR"/target/switchboard-*.jar 2>/dev/null | grep -vE -- '-(sources|javadoc|plain|tests)\.jar$' | head -n 1; }
    SB_JAR=$(find_sb_jar)
    if [ -z "$SB_JAR" ] || newer_than "$SB_JAR" "$REPO_DIR/src/main" "$REPO_DIR/pom.xml"; then
        log "building Switchboard"
        (cd "$REPO_DIR" && "$MVN" -q -B -DskipTests package) > "$LOGS/build-switchboard.log" 2>&1 \
            || { tail -n 40 "$LOGS/build-switchboard.log" >&2; log "could not build Switchboard"; exit 1; }
        SB_JAR=$(find_sb_jar)
    fi
fi
[ -f "$SB_JAR" ] || { log "no gateway jar ($SB_JAR)"; exit 1; }
SB_RUN_JAR=$OUT_DIR/switchboard-under-test.jar
cp "$SB_JAR" "$SB_RUN_JAR"
NGINX_BIN=$(command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; })
if [ -z "$NGINX_BIN" ]; then
    "$REPO_DIR/.ci/apt-install" nginx > "$LOGS/apt.log" 2>&1
    NGINX_BIN=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
fi
[ -x "$NGINX_BIN" ] || { log "nginx missing"; exit 1; }
JSTAT=jstat
SB_JAVA_PATH=$(command -v "$SB_JAVA" 2>/dev/null)
[ -n "$SB_JAVA_PATH" ] && [ -x "$(dirname "$(readlink -f "$SB_JAVA_PATH")")/jstat" ] && JSTAT="$(dirname "$(readlink -f "$SB_JAVA_PATH")")/jstat"

# The gateway's management port is left to the kernel: with the shipped shutdown the old process
# holds its own until it exits, after the new one starts.
read -r BACKEND_PORT PROXY_PORT <<< "$("${BENCH_CMD[@]}" free-ports 2 --from 25000)"
[ -n "$PROXY_PORT" ] || { log "no free ports"; exit 1; }

meta mode "$MODE"
meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta machine "$(nproc) cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/^MemTotal:/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
meta java "$("$SB_JAVA" -version 2>&1 | sed -n 2p)"
meta nginx "$("$NGINX_BIN" -v 2>&1 | sed 's/^nginx version: //'): worker_processes auto, worker_connections 16384, worker_rlimit_nofile 20000, access_log off (run.sh's recipe)"
meta sb "$SB_JVM_OPTS, one route to the echo backend, $SB_METRICS_OFF_ARGS $SB_EXTRA_ARGS; jar $(basename "$SB_JAR") ($(date -u -r "$SB_JAR" '+%Y-%m-%d %H:%M UTC')), git $(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null)${SB_APP_DIR:+; started as the image starts it: java -jar switchboard.jar from $SB_APP_DIR}"
meta clients "$CLIENTS"
meta reps "$REPS"
meta variants "$VARIANTS"
meta backoff "$BACKOFF; connect timeout ${CONNECT_TIMEOUT_MS} ms; first connects ramped at ${RAMP_PER_S}/s"
meta sb_warm_s "$SB_WARM_S"

# ------------------------------------------------------------------------------------------ processes
BACKEND_PID=""; PROXY_PID=""; OLD_PID=""; LG_PID=""; JSTAT_PIDS=()
cleanup() {
    for pid in "$LG_PID" "$PROXY_PID" "$OLD_PID" "$BACKEND_PID"; do stop_pid "$pid"; done
    for pid in "${JSTAT_PIDS[@]:-}"; do stop_pid "$pid"; done
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

"${BENCH_CMD[@]}" echo-server --port "$BACKEND_PORT" > "$LOGS/backend.log" 2>&1 &
BACKEND_PID=$!
wait_port "$BACKEND_PORT" 30 "$BACKEND_PID" || { cat "$LOGS/backend.log" >&2; log "echo backend did not start"; exit 1; }

# The gateway's java command, run in the background (exec keeps its PID): from SB_APP_DIR as the image
# starts it, else the jar under test.
switchboard_java() {
    # shellcheck disable=SC2086
    if [ -n "${SB_APP_DIR:-}" ]; then
        cd "$SB_APP_DIR" && exec "$SB_JAVA" $SB_JVM_OPTS -jar switchboard.jar "$@"
    fi
    # shellcheck disable=SC2086
    exec "$SB_JAVA" $SB_JVM_OPTS -jar "$SB_RUN_JAR" "$@"
}

# start_proxy target variant name -> sets PROXY_PID (not waiting for the port)
start_proxy() {
    local target=$1 variant=$2 name=$3
    if [ "$target" = nginx ]; then
        local dir=$OUT_DIR/nginx/$name
        write_nginx_conf "$dir" "$PROXY_PORT" "$BACKEND_PORT"
        "$NGINX_BIN" -p "$dir/" -c "$dir/nginx.conf" -e "$dir/logs/error.log" > "$LOGS/$name.log" 2>&1 &
        PROXY_PID=$!
    else
        local shutdown_args=$SB_CUT_AT_ONCE
        [ "$variant" = defaults ] && shutdown_args=""
        # shellcheck disable=SC2086
        switchboard_java \
            "--server.port=$PROXY_PORT" \
            "--management.server.port=0" \
            "--spring.cloud.gateway.server.webflux.routes[0].id=echo" \
            "--spring.cloud.gateway.server.webflux.routes[0].uri=ws://127.0.0.1:$BACKEND_PORT" \
            "--spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/**" \
            "--spring.cloud.gateway.server.webflux.httpclient.websocket.max-frame-payload-length=16777216" \
            $SB_METRICS_OFF_ARGS $shutdown_args $SB_EXTRA_ARGS > "$LOGS/$name.log" 2>&1 &
        PROXY_PID=$!
    fi
}

# jstat -gc every 200 ms, each line prefixed with the wall clock in microseconds
jstat_sampler() { # pid outfile
    (
        for _ in $(seq 1 200); do [ -e "/tmp/hsperfdata_$(id -un)/$1" ] && break; kill -0 "$1" 2>/dev/null || exit 0; sleep 0.05; done
        "$JSTAT" -gc "$1" 200 2>/dev/null | while IFS= read -r l; do printf '%s %s\n' "${EPOCHREALTIME/./}" "$l"; done
    ) > "$2" &
    JSTAT_PIDS+=($!)
}

heap_peak() { # file from_ms to_ms -> "heap_peak_mb=.. old_peak_mb=.."
    awk -v a="$2" -v b="$3" '
        $2 == "S0C" { for (i = 2; i <= NF; i++) col[$i] = i; next }
        col["EU"] && $1 / 1000 >= a && $1 / 1000 <= b {
            u = $(col["S0U"]) + $(col["S1U"]) + $(col["EU"]) + $(col["OU"])
            if (u > h) h = u
            if ($(col["OU"]) > o) o = $(col["OU"])
            n++
        }
        END { if (n) printf "heap_peak_mb=%.0f old_peak_mb=%.0f heap_samples=%d\n", h / 1024, o / 1024, n; else print "heap_samples=0" }' "$1"
}

# WARN/ERROR lines of a log, grouped (timestamps, thread names and numbers stripped)
log_problems() { # file... -> "count<TAB>line" per kind
    cat "$@" 2>/dev/null | grep -E ' (WARN|ERROR) |\[(warn|error|crit|alert|emerg)\]' \
        | sed -E 's/^[0-9TZ:.+-]+ +//; s/^[0-9\/]+ [0-9:]+ //; s/ [0-9]+ --- \[[^]]*\] \[ *[^]]*\] / /; s/[0-9]+/N/g' \
        | cut -c1-220 | sort | uniq -c | sort -rn | awk '{c = $1; $1 = ""; printf "%d\t%s\n", c, substr($0, 2)}'
}

heavy_others() { pgrep -f 'surefire|compare.sh|coldstart.sh|maven|plexus-classworlds' 2>/dev/null | grep -vx "$$" | tr '\n' ' '; }

DISTURB=$OUT_DIR/disturbances.txt
: > "$DISTURB"
wait_quiet() { # label
    local waited=0 b others
    [ "$QUIET_MAX_S" -gt 0 ] || return 0
    while :; do
        others=$(heavy_others)
        b=$(machine_busy 0.5)
        if { [ -z "$others" ] && [ "$b" -le "$OTHER_MAX_PCT" ]; } || [ "$waited" -ge "$QUIET_MAX_S" ]; then
            if [ -n "$others" ] || [ "$b" -gt "$OTHER_MAX_PCT" ]; then
                echo "$1: started after waiting ${waited} s although busy (${b}% of a core; other heavy processes: ${others:-none}: $(ps -o comm= -p ${others:-1} 2>/dev/null | tr '\n' ' '))" >> "$DISTURB"
                log "  machine still busy after ${waited} s (${b}%, ${others:-no heavy process}); measuring anyway"
            elif [ "$waited" -gt 0 ]; then
                echo "$1: waited ${waited} s for a quiet machine" >> "$DISTURB"
                log "  waited ${waited} s for a quiet machine"
            fi
            return 0
        fi
        sleep 1.5; waited=$((waited + 2))
    done
}

# ------------------------------------------------------------------------------------------ one storm
run_storm() { # rep variant target
    local rep=$1 variant=$2 target=$3 tag="r$1-$2-$3"
    local pidfile=$OUT_DIR/tmp/$tag.pids ready=$OUT_DIR/tmp/$tag.ready drop=$OUT_DIR/tmp/$tag.drop
    local out=$LOGS/$tag.out t_launch t_up extra=""
    rm -f "$ready" "$drop"
    log "--- rep $rep, $variant, $target"
    start_proxy "$target" "$variant" "$tag-a"
    t_launch=$(now_ms)
    if ! wait_port "$PROXY_PORT" 180 "$PROXY_PID"; then
        tail -n 20 "$LOGS/$tag-a.log" >&2; fail "$target did not start ($tag)"; stop_pid "$PROXY_PID"; PROXY_PID=""; return 1
    fi
    sleep 0.3
    if ! "${BENCH_CMD[@]}" loadgen probe --url "ws://127.0.0.1:$PROXY_PORT/echo" --size 1024 > "$LOGS/$tag-probe.out" 2>&1; then
        fail "$target does not echo ($tag)"; stop_pid "$PROXY_PID"; PROXY_PID=""; return 1
    fi
    if [ "$variant" = warm ] && [ "$target" = switchboard ] && [ "$SB_WARM_S" != 0 ]; then
        "${BENCH_CMD[@]}" loadgen handshake --url "ws://127.0.0.1:$PROXY_PORT/echo" --concurrency 32 --warmup 0 \
            --duration "$SB_WARM_S" > "$LOGS/$tag-warmup.out" 2>&1
    fi
    echo "$PROXY_PID" > "$pidfile"
    local jfile_a=$OUT_DIR/tmp/$tag-a.jstat jfile_b=$OUT_DIR/tmp/$tag-b.jstat
    [ "$target" = switchboard ] && jstat_sampler "$PROXY_PID" "$jfile_a"
    wait_quiet "$tag"
    local busy_before
    busy_before=$(machine_busy 0.5)
    local drop_args=()
    [ "$variant" = warm ] && drop_args=(--drop-file "$drop")
    # shellcheck disable=SC2086
    "${BENCH_CMD[@]}" loadgen storm --url "ws://127.0.0.1:$PROXY_PORT/echo" --clients "$CLIENTS" $BACKOFF \
        --connect-timeout-ms "$CONNECT_TIMEOUT_MS" --ramp-per-s "$RAMP_PER_S" --storm-timeout-s "$STORM_TIMEOUT_S" \
        --ready-file "$ready" "${drop_args[@]}" --clk-tck "$CLK_TCK" --cpu "proxy=@$pidfile" --cpu "backend=$BACKEND_PID" \
        --report-json "$OUT_DIR/tmp/$tag.json" --tag "rep=$rep" --tag "variant=$variant" --tag "target=$target" \
        > "$out" 2> "$LOGS/$tag.err" &
    LG_PID=$!
    while [ ! -f "$ready" ] && kill -0 "$LG_PID" 2>/dev/null; do sleep 0.1; done
    if [ -f "$ready" ]; then
        sleep "$HOLD_S"
        local t_term t_free t_new
        if [ "$variant" = warm ]; then
            t_term=$(now_ms)
            touch "$drop"
            extra="t_drop_epoch_ms=$t_term"
        else
            OLD_PID=$PROXY_PID
            t_term=$(now_ms)
            kill -TERM "$OLD_PID"
            # the port is free once the old process stopped listening (nginx: once it exited)
            local deadline=$(( $(date +%s) + 60 ))
            if [ "$target" = nginx ]; then
                while kill -0 "$OLD_PID" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.01; done
            else
                while port_open "$PROXY_PORT" && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.02; done
            fi
            t_free=$(now_ms)
            start_proxy "$target" "$variant" "$tag-b"
            t_new=$(now_ms)
            echo "$OLD_PID $PROXY_PID" > "$pidfile"
            [ "$target" = switchboard ] && jstat_sampler "$PROXY_PID" "$jfile_b"
            if wait_port "$PROXY_PORT" 180 "$PROXY_PID"; then t_up=$(now_ms); else t_up=""; fail "$target did not restart ($tag)"; fi
            extra="t_term_epoch_ms=$t_term port_free_ms=$((t_free - t_term)) new_launch_ms=$((t_new - t_term)) new_port_open_ms=$(( ${t_up:-0} - t_term )) new_startup_ms=$(( ${t_up:-0} - t_new ))"
            log "  restarted: port free after $((t_free - t_term)) ms, new $target listening $(( ${t_up:-0} - t_term )) ms after SIGTERM"
        fi
    fi
    wait "$LG_PID"
    local rc=$?
    LG_PID=""
    local line
    line=$(grep '^RESULT ' "$out" | tail -n 1)
    [ -n "$line" ] || line="RESULT rep=$rep variant=$variant target=$target ok=0 error=no_result_(see_$tag.err)"
    local cut_ms done_ms
    cut_ms=$(grep -o ' cut_epoch_ms=[0-9]*' <<< "$line" | cut -d= -f2)
    done_ms=$(grep -o ' done_epoch_ms=[0-9]*' <<< "$line" | cut -d= -f2)
    # let the last jstat samples land, then stop the proxies
    sleep 0.5
    local heap=""
    if [ "$target" = switchboard ] && [ -n "$cut_ms" ]; then
        local jf=$jfile_a
        [ "$variant" != warm ] && jf=$jfile_b
        heap=$(heap_peak "$jf" "$cut_ms" "$done_ms")
    fi
    stop_pid "$PROXY_PID"; PROXY_PID=""
    stop_pid "$OLD_PID"; OLD_PID=""
    for pid in "${JSTAT_PIDS[@]:-}"; do stop_pid "$pid"; done
    JSTAT_PIDS=()
    # WARN/ERROR lines of the proxies (both generations)
    local probs=$OUT_DIR/tmp/$tag.problems
    if [ "$target" = nginx ]; then
        log_problems "$OUT_DIR/nginx/$tag-a/logs/error.log" "$OUT_DIR/nginx/$tag-b/logs/error.log" > "$probs"
    else
        log_problems "$LOGS/$tag-a.log" "$LOGS/$tag-b.log" > "$probs"
    fi
    local nwarn nerr
    nwarn=$(awk -F'\t' 'tolower($2) ~ /(^| )warn|\[warn\]/ {s += $1} END {print s + 0}' "$probs")
    nerr=$(awk -F'\t' 'tolower($2) ~ /(^| )error|\[(error|crit|alert|emerg)\]/ {s += $1} END {print s + 0}' "$probs")
    line="$line $extra $heap busy_before_pct=$busy_before log_warn=$nwarn log_error=$nerr"
    echo "$line" >> "$RESULTS"
    sed "s/^/$tag\t/" "$probs" >> "$OUT_DIR/log-problems.txt"
    log "  $(grep -oE ' (complete|t99_s|t100_s|attempts|o_101|o_503_retry_after|o_refused|other_seen|c101_p99_ms|cpu_proxy_s|cpu_lg_s|heap_peak_mb)=[^ ]*' <<< "$line" | tr -d '\n')"
    [ -s "$probs" ] && log "  proxy log: $nwarn WARN, $nerr ERROR lines (see $OUT_DIR/log-problems.txt)"
    [ $rc -eq 0 ] || log "  load generator exited $rc ($(tail -n 2 "$LOGS/$tag.err" | tr '\n' ' '))"
    sleep 1
    return $rc
}

IFS=, read -r -a VARS <<< "$VARIANTS"
for rep in $(seq 1 "$REPS"); do
    log "=== repetition $rep of $REPS ==="
    for variant in "${VARS[@]}"; do
        targets=(switchboard nginx)
        [ $((rep % 2)) -eq 0 ] && targets=(nginx switchboard)
        [ "$variant" = defaults ] && targets=(switchboard)
        for target in "${targets[@]}"; do
            run_storm "$rep" "$variant" "$target" || fail "storm $rep $variant $target did not complete"
        done
    done
done

meta total_s "$(( $(date +%s) - RUN_T0 ))"
OLD_ARGS=()
[ "$MODE" = full ] && [ -f "$REPORT_OUT" ] && OLD_ARGS=(--old "$REPORT_OUT")
"${BENCH_CMD[@]}" storm-report --results "$RESULTS" --meta "$META" --problems "$OUT_DIR/log-problems.txt" \
    --disturbances "$DISTURB" --out "$OUT_DIR/RESULTS-storm.md.tmp" "${OLD_ARGS[@]}" && mv "$OUT_DIR/RESULTS-storm.md.tmp" "$REPORT_OUT" || fail "report"
log "report: $REPORT_OUT (raw: $RESULTS, logs: $LOGS)"
if [ ${#FAILURES[@]} -gt 0 ]; then
    for f in "${FAILURES[@]}"; do log "  - $f"; done
    exit 1
fi
exit 0
