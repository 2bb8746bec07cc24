#!/usr/bin/env bash
# Cold start: a fresh gateway JVM, started the way the container image starts it, under handshake load from its first second.
# Usage: bench/coldstart.sh [--smoke] [--reps N] [--variants a,b,...] [--duration S] [--retrain] [--report-only] [--help]
# (see bench/README.md; --report-only rewrites the report from the last run's results.txt)
set -uo pipefail

# A run takes about 25 minutes: run from a copy, so editing this file meanwhile cannot derail it.
if [ -z "${COLDSTART_BENCH_DIR:-}" ]; then
    COPY=$(mktemp /tmp/coldstart.XXXXXX)
    cp "${BASH_SOURCE[0]}" "$COPY"
    COLDSTART_BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) COLDSTART_COPY=$COPY exec bash "$COPY" "$@"
fi
BENCH_DIR=$COLDSTART_BENCH_DIR
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
MODE=full
REPS=${REPS:-}
VARIANTS=${VARIANTS:-}
DURATION=${DURATION:-}
RETRAIN=0
REPORT_ONLY=0

usage() {
    sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'
    cat <<'EOF'

Variants (each started from the extracted jar, as the Dockerfile lays it out, with the image's JAVA_TOOL_OPTIONS):
  j17               today's image: JarLauncher, -XX:MaxRAMPercentage=60, on JAVA17 (the image had Java 21)
  j25               the same on Temurin 25
  j25-unsafe        + --sun-misc-unsafe-memory-access=allow -Dio.netty.noUnsafe=false
  j25-aot           + -XX:AOTCache trained under handshake and echo load (java -jar switchboard.jar + lib/)
  j25-aot-refresh   + -XX:AOTCache trained Spring Boot's documented way (-Dspring.context.exit=onRefresh: no load)
  j25-aot-launcher  + -XX:AOTCache trained under load, but started with JarLauncher (today's layout)
  Default: j17,j25,j25-unsafe,j25-aot,j25-aot-refresh (smoke: j25-aot).

Environment (all optional):
  JAVA25=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java   the Java 25 variants and the training runs
  JAVA17=java             the j17 variant; JAVA=java: the load generator and the echo backend
  SWITCHBOARD_JAR=path    use this gateway jar instead of building target/switchboard-*.jar
  MEM_LIMIT=1g            -XX:MaxRAM standing in for the container's memory limit (the chart's default 1Gi)
  TRAIN_HS_S=20 TRAIN_ECHO_S=6 TRAIN_LARGE_S=3   training load (seconds of handshakes, 64 B echo, 1 MiB echo)
  QUIET_MAX_PCT=30 QUIET_BUDGET=300   wait up to QUIET_BUDGET s before each run for the machine to be
                          below QUIET_MAX_PCT % of one core busy; a run during which other processes used more
                          than OTHER_MAX_PCT=25 % of a core is measured again, up to MAX_ATTEMPTS=2 times
EOF
}

while [ $# -gt 0 ]; do
    case "$1" in
        --smoke) MODE=smoke ;;
        --reps) REPS=$2; shift ;;
        --reps=*) REPS=${1#--reps=} ;;
        --variants) VARIANTS=$2; shift ;;
        --variants=*) VARIANTS=${1#--variants=} ;;
        --duration) DURATION=$2; shift ;;
        --duration=*) DURATION=${1#--duration=} ;;
        --retrain) RETRAIN=1 ;;
        --report-only) REPORT_ONLY=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

# ------------------------------------------------------------------------------------------ parameters
if [ "$MODE" = smoke ]; then
    REPS=${REPS:-1}; VARIANTS=${VARIANTS:-j25-aot}; DURATION=${DURATION:-3}
    TRAIN_HS_S=${TRAIN_HS_S:-2}; TRAIN_ECHO_S=${TRAIN_ECHO_S:-1}; TRAIN_LARGE_S=${TRAIN_LARGE_S:-1}
    PREWARM_S=0.5; WARM_WINDOW=1; QUIET_BUDGET=${QUIET_BUDGET:-0}
    OUT_DIR=$BENCH_DIR/target/coldstart-smoke
    REPORT_OUT=$OUT_DIR/RESULTS-coldstart.md
    RETRAIN=1
else
    REPS=${REPS:-3}; VARIANTS=${VARIANTS:-j17,j25,j25-unsafe,j25-aot,j25-aot-refresh}; DURATION=${DURATION:-60}
    TRAIN_HS_S=${TRAIN_HS_S:-20}; TRAIN_ECHO_S=${TRAIN_ECHO_S:-6}; TRAIN_LARGE_S=${TRAIN_LARGE_S:-3}
    PREWARM_S=3; WARM_WINDOW=10; QUIET_BUDGET=${QUIET_BUDGET:-300}
    OUT_DIR=$BENCH_DIR/target/coldstart
    REPORT_OUT=$BENCH_DIR/RESULTS-coldstart.md
fi
HS_CONC=32
QUIET_MAX_PCT=${QUIET_MAX_PCT:-30}
OTHER_MAX_PCT=${OTHER_MAX_PCT:-25}
MAX_ATTEMPTS=${MAX_ATTEMPTS:-2}
MEM_LIMIT=${MEM_LIMIT:-1g}
JAVA=${JAVA:-java}
JAVA17=${JAVA17:-java}
JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
# The image's JAVA_TOOL_OPTIONS, before and after this change (see the Dockerfile).
BASE_OPTS="-XX:MaxRAMPercentage=60"
UNSAFE_OPTS="--sun-misc-unsafe-memory-access=allow -Dio.netty.noUnsafe=false"
TOOL_OPTS="-Xms256m -Xmx1g -XX:+AlwaysPreTouch -Dio.netty.leakDetection.level=disabled"
BENCH_JAR=$BENCH_DIR/target/switchboard-bench.jar
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
# shellcheck source=bench/common.sh
source "$BENCH_DIR/common.sh"

LOGS=$OUT_DIR/logs
RESULTS=$OUT_DIR/results.txt
APP=$OUT_DIR/app            # extract --layers: switchboard.jar + lib/ (the image from now on)
LAUNCHER=$OUT_DIR/launcher  # extract --layers --launcher: JarLauncher's exploded jar (the image until now)
IFS=, read -r -a VARIANT_LIST <<< "$VARIANTS"

log() { echo "[coldstart.sh $(date +%H:%M:%S)] $*" >&2; }

BACKEND_PID=""; SB_PID=""; LG_PID=""
cleanup() {
    for pid in "$LG_PID" "$SB_PID" "$BACKEND_PID"; do stop_pid "$pid"; done
    rm -f "${COLDSTART_COPY:-}"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

mkdir -p "$OUT_DIR" "$LOGS" "$OUT_DIR/tmp"
if [ "$REPORT_ONLY" = 0 ]; then
# ------------------------------------------------------------------------------------------ builds
if [ ! -f "$BENCH_JAR" ] || [ -n "$(find "$BENCH_DIR/src" "$BENCH_DIR/pom.xml" -newer "$BENCH_JAR" 2>/dev/null | head -n 1)" ]; then
    log "building bench/"
    (cd "$BENCH_DIR" && mvn -q -B -DskipTests package) >&2 || { log "bench/ does not build"; exit 1; }
fi
SB_JAR=${SWITCHBOARD_JAR:-}
if [ -z "$SB_JAR" ]; then
    SB_JAR=$(ls "$REPO_DIR"/target/switchboard-*.jar 2>/dev/null | grep -v original | head -n 1)
    if [ -z "$SB_JAR" ] || [ -n "$(find "$REPO_DIR/src/main" "$REPO_DIR/pom.xml" -newer "$SB_JAR" 2>/dev/null | head -n 1)" ]; then
        log "building the gateway"
        (cd "$REPO_DIR" && ./mvnw -q -B -DskipTests package) >&2 || { log "the gateway does not build"; exit 1; }
        SB_JAR=$(ls "$REPO_DIR"/target/switchboard-*.jar | grep -v original | head -n 1)
    fi
fi
for v in "${VARIANT_LIST[@]}"; do
    case "$v" in
        j17) ;;
        j25*) [ -x "$JAVA25" ] || { log "no Java 25 at $JAVA25 (set JAVA25)"; exit 1; } ;;
        *) log "unknown variant: $v"; usage >&2; exit 2 ;;
    esac
done

# The two layouts, each the union of the four layers, as the Dockerfile's COPY instructions merge
# them. The AOT cache is only valid for the class path it was trained with: re-extract (and retrain)
# when the jar changed.
if [ "$RETRAIN" = 1 ] || [ ! -f "$APP/switchboard.jar" ] || [ "$SB_JAR" -nt "$APP/switchboard.jar" ]; then
    log "extracting $(basename "$SB_JAR") into $APP and $LAUNCHER"
    rm -rf "$APP" "$LAUNCHER" "$OUT_DIR/tmp/x"
    cp "$SB_JAR" "$OUT_DIR/tmp/switchboard.jar"
    (cd "$OUT_DIR/tmp" && "$JAVA" -Djarmode=tools -jar switchboard.jar extract --layers --destination x/app \
        && "$JAVA" -Djarmode=tools -jar switchboard.jar extract --layers --launcher --destination x/launcher) >&2 \
        || { log "extract failed"; exit 1; }
    mkdir -p "$APP" "$LAUNCHER"
    for layer in dependencies spring-boot-loader snapshot-dependencies application; do
        cp -a "$OUT_DIR/tmp/x/app/$layer/." "$APP/"
        cp -a "$OUT_DIR/tmp/x/launcher/$layer/." "$LAUNCHER/"
    done
    rm -f "$APP"/*.aot "$LAUNCHER"/*.aot
fi

read -r BACKEND_PORT SB_PORT SB_MGMT_PORT TRAIN_BACKEND_PORT <<< "$("$JAVA" -jar "$BENCH_JAR" free-ports 4 --from 23000)"
[ -n "$TRAIN_BACKEND_PORT" ] || { log "could not find free ports"; exit 1; }
BENCH_CMD=("$JAVA" $TOOL_OPTS -jar "$BENCH_JAR")

log "starting the echo backend on :$BACKEND_PORT"
"${BENCH_CMD[@]}" echo-server --port "$BACKEND_PORT" > "$LOGS/backend.log" 2>&1 &
BACKEND_PID=$!
wait_port "$BACKEND_PORT" 30 "$BACKEND_PID" || { cat "$LOGS/backend.log" >&2; log "the echo backend did not start"; exit 1; }

SB_ARGS=(
    "--server.port=$SB_PORT" "--management.server.port=$SB_MGMT_PORT"
    "--spring.cloud.gateway.server.webflux.routes[0].id=echo"
    "--spring.cloud.gateway.server.webflux.routes[0].uri=ws://127.0.0.1:$BACKEND_PORT"
    "--spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/**"
    "--spring.cloud.gateway.server.webflux.httpclient.websocket.max-frame-payload-length=16777216"
    "--switchboard.shutdown.accept-delay=0s" "--switchboard.shutdown.close-spread=0s"
)

# variant -> "java|dir|JAVA_TOOL_OPTIONS|main" (main: launcher = JarLauncher, jar = -jar switchboard.jar)
variant_spec() {
    case "$1" in
        j17) echo "$JAVA17|$LAUNCHER|$BASE_OPTS|launcher" ;;
        j25) echo "$JAVA25|$LAUNCHER|$BASE_OPTS|launcher" ;;
        j25-unsafe) echo "$JAVA25|$LAUNCHER|$BASE_OPTS $UNSAFE_OPTS|launcher" ;;
        j25-aot) echo "$JAVA25|$APP|$BASE_OPTS $UNSAFE_OPTS -XX:AOTCache=$APP/app.aot|jar" ;;
        j25-aot-refresh) echo "$JAVA25|$APP|$BASE_OPTS $UNSAFE_OPTS -XX:AOTCache=$APP/refresh.aot|jar" ;;
        j25-aot-launcher) echo "$JAVA25|$LAUNCHER|$BASE_OPTS $UNSAFE_OPTS -XX:AOTCache=$LAUNCHER/app.aot|launcher" ;;
    esac
}

# start_gateway logname java dir tool_opts main [jvm args...]: as the image's ENTRYPOINT, from its WORKDIR
start_gateway() {
    local logname=$1 java=$2 dir=$3 opts=$4 main=$5; shift 5
    local mainargs=(org.springframework.boot.loader.launch.JarLauncher)
    [ "$main" = jar ] && mainargs=(-jar switchboard.jar)
    # -XX:MaxRAM stands in for the container memory limit the percentages are taken of.
    (cd "$dir" && JAVA_TOOL_OPTIONS="$opts -XX:MaxRAM=$MEM_LIMIT" exec "$java" "$@" "${mainargs[@]}" "${SB_ARGS[@]}") \
        > "$LOGS/$logname.log" 2>&1 &
    SB_PID=$!
}

# ------------------------------------------------------------------------------------------ training
# train cache_file dir main load(1|0): one training run; with load, handshakes (each: upgrade, one echo
# through the tunnel, close), then pipelined 64 B echo and 1 MiB echo, then SIGTERM so the JVM writes
# the cache at exit; without load, Spring's documented run that exits at context refresh.
train() {
    local cache=$1 dir=$2 main=$3 load=$4 name t0 t1
    name=$(basename "$cache" .aot)-$(basename "$dir")
    rm -f "$cache"
    log "training $cache ($( [ "$load" = 1 ] && echo "${TRAIN_HS_S} s handshakes + ${TRAIN_ECHO_S} s echo + ${TRAIN_LARGE_S} s 1 MiB" || echo "exit at context refresh"))"
    t0=$(date +%s%N)
    if [ "$load" = 1 ]; then
        # the same script the Dockerfile runs
        JAVA_TOOL_OPTIONS="$BASE_OPTS $UNSAFE_OPTS -XX:MaxRAM=$MEM_LIMIT" bash "$REPO_DIR/deploy/aot-training.sh" \
            --java "$JAVA25" --app-dir "$dir" --cache "$cache" --bench-jar "$BENCH_JAR" --main "$main" \
            --hs-s "$TRAIN_HS_S" --echo-s "$TRAIN_ECHO_S" --large-s "$TRAIN_LARGE_S" --port "$SB_PORT" \
            --mgmt-port "$SB_MGMT_PORT" --backend-port "$TRAIN_BACKEND_PORT" --log-dir "$LOGS/train-$name" \
            2> "$LOGS/train-$name.err" || { cat "$LOGS/train-$name.err" >&2; log "training failed"; exit 1; }
    else
        start_gateway "train-$name" "$JAVA25" "$dir" "$BASE_OPTS $UNSAFE_OPTS" "$main" "-XX:AOTCacheOutput=$cache" \
            -Dspring.context.exit=onRefresh
        wait "$SB_PID"
    fi
    SB_PID=""
    t1=$(date +%s%N)
    [ -f "$cache" ] || { tail -n 30 "$LOGS/train-$name.log" >&2; log "no cache written: $cache"; exit 1; }
    echo "TRAIN cache=$(basename "$dir")/$(basename "$cache") load=$load bytes=$(stat -c %s "$cache") train_s=$(awk "BEGIN {print ($t1 - $t0) / 1e9}")" >> "$RESULTS"
    log "  $(du -h "$cache" | cut -f1) in $(awk "BEGIN {printf \"%.0f\", ($t1 - $t0) / 1e9}") s"
}

: > "$RESULTS.new"; [ -f "$RESULTS" ] && grep '^TRAIN ' "$RESULTS" > "$RESULTS.new"; mv "$RESULTS.new" "$RESULTS"
for v in "${VARIANT_LIST[@]}"; do
    case "$v" in
        j25-aot) c=$APP/app.aot; d=$APP; m=jar; l=1 ;;
        j25-aot-refresh) c=$APP/refresh.aot; d=$APP; m=jar; l=0 ;;
        j25-aot-launcher) c=$LAUNCHER/app.aot; d=$LAUNCHER; m=launcher; l=1 ;;
        *) continue ;;
    esac
    if [ "$RETRAIN" = 1 ] || [ ! -f "$c" ]; then
        grep -v "^TRAIN cache=$(basename "$d")/$(basename "$c") " "$RESULTS" > "$RESULTS.new"; mv "$RESULTS.new" "$RESULTS"
        train "$c" "$d" "$m" "$l"
    fi
done

# ------------------------------------------------------------------------------------------ measuring
wait_quiet() { # up to QUIET_BUDGET s for the machine to fall below QUIET_MAX_PCT % of one core
    local deadline=$(( $(date +%s) + QUIET_BUDGET )) busy
    while true; do
        busy=$(machine_busy 2)
        [ "$busy" -le "$QUIET_MAX_PCT" ] && return 0
        [ "$(date +%s)" -ge "$deadline" ] && { log "  still ${busy}% busy: measuring anyway (flagged)"; return 1; }
        log "  machine ${busy}% busy ($(pgrep -fc 'compare.sh|run.sh|soak.sh|surefire|plexus-classworlds') benchmark/build processes): waiting"
        sleep 10
    done
}

measure() { # variant rep [attempt]
    local v=$1 rep=$2 spec java dir opts main quiet=1
    spec=$(variant_spec "$v")
    IFS='|' read -r java dir opts main <<< "$spec"
    wait_quiet || quiet=0
    local out="$LOGS/r$rep-$v.out" prewarmed="$OUT_DIR/tmp/prewarmed"
    rm -f "$prewarmed" "$OUT_DIR/tmp/sb.pid"
    # The load generator warms itself up on the echo backend, then polls the gateway's port and
    # measures per second from the moment it opens.
    "${BENCH_CMD[@]}" loadgen handshake --url "ws://127.0.0.1:$SB_PORT/echo" \
        --prewarm-url "ws://127.0.0.1:$BACKEND_PORT/echo" --prewarm "$PREWARM_S" --prewarmed-file "$prewarmed" \
        --wait-port --wait-timeout 120 --concurrency "$HS_CONC" --warmup 0 --duration "$DURATION" --series \
        --clk-tck "$CLK_TCK" --cpu "proxy=@$OUT_DIR/tmp/sb.pid" --cpu "backend=$BACKEND_PID" \
        > "$out" 2> "$LOGS/r$rep-$v.err" &
    LG_PID=$!
    while [ ! -f "$prewarmed" ] && kill -0 "$LG_PID" 2>/dev/null; do sleep 0.05; done
    local t0 t1 up=1
    t0=$(date +%s%N)
    start_gateway "r$rep-$v" "$java" "$dir" "$opts" "$main"
    echo "$SB_PID" > "$OUT_DIR/tmp/sb.pid"
    wait_port "$SB_PORT" 120 "$SB_PID" || up=0
    t1=$(date +%s%N)
    [ $up = 1 ] || stop_pid "$LG_PID"
    wait "$LG_PID"; LG_PID=""
    local ready started line
    # "Started SwitchboardApplication in X seconds (process running for Y)": Y is the JVM's uptime.
    started=$(grep -o 'process running for [0-9.]*' "$LOGS/r$rep-$v.log" | head -n 1 | awk '{print $4}')
    ready=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SB_MGMT_PORT/actuator/health/readiness" 2>/dev/null)
    stop_pid "$SB_PID"; SB_PID=""
    line=$(grep '^RESULT ' "$out" | tail -n 1)
    [ -n "$line" ] || line="RESULT ok=0"
    [ $up = 1 ] || line="$line ok=0 error=did_not_start"
    line="$line variant=$v rep=$rep port_s=$(awk "BEGIN {print ($t1 - $t0) / 1e9}") started_s=${started:-0} quiet_before=$quiet other_pct=$(other_pct "$line") readiness_http=$ready"
    if [ "$(other_pct "$line")" -gt "$OTHER_MAX_PCT" ] && [ "${3:-1}" -lt "$MAX_ATTEMPTS" ]; then
        echo "DISCARDED $line" >> "$RESULTS"
        log "  $v rep $rep disturbed (other processes $(other_pct "$line")% of a core): measuring again"
        measure "$v" "$rep" $(( ${3:-1} + 1 ))
        return
    fi
    echo "$line attempt=${3:-1}" >> "$RESULTS"
    log "  $v rep $rep: port open after $(awk "BEGIN {printf \"%.2f\", ($t1 - $t0) / 1e9}") s, started (JVM uptime) ${started:-?} s, $(grep -o 'rate=[0-9.]*' <<< "$line" | head -n 1), other ${line##*other_pct=}"
}

log "variants ${VARIANTS}; ${REPS} repetitions, interleaved; ${DURATION} s of handshake load from port open"
for rep in $(seq 1 "$REPS"); do
    # rotate the order each repetition, so no variant always runs first
    n=${#VARIANT_LIST[@]}
    for i in $(seq 0 $((n - 1))); do
        measure "${VARIANT_LIST[$(( (i + rep - 1) % n ))]}" "$rep"
    done
done

fi # REPORT_ONLY

# ------------------------------------------------------------------------------------------ report
[ -f "$RESULTS" ] || { log "no $RESULTS"; exit 1; }
if [ "$REPORT_ONLY" = 0 ] || [ ! -f "$OUT_DIR/meta.txt" ]; then {
    echo "java25=$("$JAVA25" -version 2>&1 | sed -n 2p)"
    echo "java17=$("$JAVA17" -version 2>&1 | sed -n 2p)"
    echo "git=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null)$([ -n "$(git -C "$REPO_DIR" status --porcelain 2>/dev/null | head -n 1)" ] && echo ' (with uncommitted changes)')"
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "cpus=$(nproc)"
} > "$OUT_DIR/meta.txt"; fi

awk -v warm_window="$WARM_WINDOW" -v other_max="$OTHER_MAX_PCT" -v duration="$DURATION" -v mem="$MEM_LIMIT" \
    -v variants="$VARIANTS" -v reps="$REPS" -v mode="$MODE" -v meta="$OUT_DIR/meta.txt" '
function kv(line, arr,   n, i, parts, p) {
    delete arr; n = split(line, parts, " ")
    for (i = 2; i <= n; i++) { p = index(parts[i], "="); if (p) arr[substr(parts[i], 1, p - 1)] = substr(parts[i], p + 1) }
}
function median(list,   n, a, i, j, t) {
    n = split(list, a, " "); if (n == 0 || list == "") return ""
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function range(list,   n, a, i, lo, hi) {
    n = split(list, a, " "); lo = a[1]; hi = a[1]
    for (i = 2; i <= n; i++) { if (a[i] + 0 < lo + 0) lo = a[i]; if (a[i] + 0 > hi + 0) hi = a[i] }
    return lo "-" hi
}
function spaced(c) { gsub(",", ", ", c); return c }
function add(k, v) { acc[k] = (k in acc) ? acc[k] " " v : v }
BEGIN { nw = split("0 2 5 10", wlist, " ") }
BEGIN { while ((getline l < meta) > 0) { p = index(l, "="); m[substr(l, 1, p - 1)] = substr(l, p + 1) } }
/^TRAIN / {
    kv($0, r); f = r["cache"]
    cache_mb[f] = sprintf("%.0f", r["bytes"] / 1048576); train_s[f] = sprintf("%.0f", r["train_s"])
}
/^RESULT / {
    kv($0, r); v = r["variant"]
    if (r["ok"] != 1) { failed[v]++; next }
    n = split(r["series"], s, ",")
    w = 0; for (i = n - warm_window + 1; i <= n; i++) w += s[i]; w /= warm_window
    f10 = 0; k10 = (n < 10) ? n : 10; for (i = 1; i <= k10; i++) f10 += s[i]; f10 /= k10
    t90 = "never"
    for (i = 1; i + 2 <= n; i++) if ((s[i] + s[i + 1] + s[i + 2]) / 3 >= 0.9 * w) { t90 = i - 1; break }
    if (n < 3) t90 = "n/a"
    # CPU efficiency (handshakes per CPU-second of the gateway): less sensitive to what else runs
    if (r["series_cpu_proxy"] != "") {
        split(r["series_cpu_proxy"], pc, ",")
        hf = 0; cf = 0; for (i = 1; i <= k10; i++) { hf += s[i]; cf += pc[i] }
        hw = 0; cw = 0; for (i = n - warm_window + 1; i <= n; i++) { hw += s[i]; cw += pc[i] }
        if (cf > 0 && cw > 0 && hw > 0) {
            add(v " eff10", sprintf("%.0f", hf / cf)); add(v " effw", sprintf("%.0f", hw / cw))
            add(v " effpct", sprintf("%.0f", 100 * (hf / cf) / (hw / cw)))
        }
    }
    dist = (r["other_pct"] + 0 > other_max || r["quiet_before"] == 0) ? 1 : 0
    add(v " port", sprintf("%.2f", r["port_s"])); add(v " started", r["started_s"])
    add(v " f10", sprintf("%.0f", f10)); add(v " warm", sprintf("%.0f", w))
    add(v " pct", (w > 0) ? sprintf("%.0f", 100 * f10 / w) : 0)
    if (t90 != "never" && t90 != "n/a") add(v " t90", t90); else nt90[v]++
    for (wi = 1; wi <= nw; wi++) {
        W = wlist[wi]; if (W + 10 > n) continue
        a = 0; for (i = W + 1; i <= W + 10; i++) a += s[i]; a /= 10
        if (w > 0) add(v " after" W, sprintf("%.0f", 100 * a / w))
    }
    if (dist) disturbed[v]++
    runs[v]++
    curve[v, r["rep"]] = r["series"]; other[v, r["rep"]] = r["other_pct"] "%" (dist ? " (disturbed)" : "")
    ready[v, r["rep"]] = r["readiness_http"]
}
END {
    print "# Cold start: a fresh gateway JVM under handshake load from its first second"
    print ""
    print "Written by `bench/coldstart.sh" (mode == "smoke" ? " --smoke" : "") "` (" m["date"] ", git " m["git"] ", " m["cpus"] " cores; " m["java25"] "; j17: " m["java17"] ")."
    print "Each run: a fresh gateway started as the container image starts it (from the extracted layers, with the"
    print "image'"'"'s `JAVA_TOOL_OPTIONS`, `-XX:MaxRAM=" mem "` standing in for the chart'"'"'s memory limit), one route to"
    print "the bench echo backend; the load generator (warmed up on the echo backend first) polls the port and,"
    print "from the moment it opens, runs " duration " s of handshake cycles, 32 concurrent (TCP connect, upgrade,"
    print "one text echo through the tunnel, close). " reps " repetition(s) per variant, interleaved, order rotated."
    print ""
    print "- **start-up**: process start to the port accepting (script) / the JVM uptime Spring logs in"
    print "  `Started SwitchboardApplication ... (process running for Y)`;"
    print "- **warm**: the mean rate of the last " warm_window " s of the same JVM'"'"'s run (after " duration - warm_window " s of load);"
    print "- **first 10 s**: the mean rate over the first 10 s of load, and as % of that JVM'"'"'s warm rate;"
    print "- **to 90%**: seconds from port open until a 3-s moving average first reaches 90% of warm;"
    print "- **cache**: the AOT cache file (what it adds to the image) and how long its training run took."
    print ""
    print "Medians over the repetitions, min-max in brackets."
    print ""
    print "| variant | start-up: port open (s) | start-up: JVM uptime at Started (s) | first 10 s (handshakes/s) | warm (handshakes/s) | first 10 s % of warm | to 90% of warm (s) | cache | runs (disturbed) |"
    print "|---|---|---|---|---|---|---|---|---|"
    nv = split(variants, V, ",")
    for (i = 1; i <= nv; i++) {
        v = V[i]; if (!(v in runs)) { print "| " v " | FAILED | | | | | | | 0 |"; continue }
        c = "-"
        if (v == "j25-aot") c = cache_mb["app/app.aot"] " MB (training " train_s["app/app.aot"] " s)"
        if (v == "j25-aot-refresh") c = cache_mb["app/refresh.aot"] " MB (training " train_s["app/refresh.aot"] " s)"
        if (v == "j25-aot-launcher") c = cache_mb["launcher/app.aot"] " MB (training " train_s["launcher/app.aot"] " s)"
        t = ((v " t90") in acc) ? median(acc[v " t90"]) " [" range(acc[v " t90"]) "]" : "-"
        if (nt90[v]) t = t " (" nt90[v] " never)"
        printf "| %s | %s [%s] | %s [%s] | %s [%s] | %s [%s] | **%s%%** [%s] | %s | %s | %d (%d) |\n", v,
            median(acc[v " port"]), range(acc[v " port"]), median(acc[v " started"]), range(acc[v " started"]),
            median(acc[v " f10"]), range(acc[v " f10"]), median(acc[v " warm"]), range(acc[v " warm"]),
            median(acc[v " pct"]), range(acc[v " pct"]), t, c, runs[v], disturbed[v] + 0
    }
    print ""
    print "Disturbed: another process used more than " other_max "% of a core during the run, or the machine was"
    print "not quiet before it (the load generator, the backend and the gateway excluded)."
    print ""
    print "CPU efficiency (where the machine is shared, the rates above also measure the neighbours): handshakes"
    print "per CPU-second of the gateway process (its JIT compiler threads included), first 10 s and warm, medians:"
    print ""
    print "| variant | first 10 s (handshakes per gateway CPU-s) | warm | first 10 s % of warm |"
    print "|---|---|---|---|"
    for (i = 1; i <= nv; i++) {
        v = V[i]; if (!((v " eff10") in acc)) continue
        printf "| %s | %s [%s] | %s [%s] | **%s%%** [%s] |\n", v, median(acc[v " eff10"]), range(acc[v " eff10"]),
            median(acc[v " effw"]), range(acc[v " effw"]), median(acc[v " effpct"]), range(acc[v " effpct"])
    }
    print ""
    print "## What a warm-up before readiness would buy"
    print ""
    print "Readiness turns true as the port opens (Spring publishes ACCEPTING_TRAFFIC when the context is ready)."
    print "If it waited for W seconds of warm-up load first, the first 10 s of real load would be the seconds"
    print "W+1..W+10 of the curves below (an upper bound for a self-warm-up: here the load generator, not the"
    print "gateway itself, drives the warm-up). Mean of those 10 s as % of warm, medians:"
    print ""
    hdr = "| variant |"; sep = "|---|"
    for (wi = 1; wi <= nw; wi++) { hdr = hdr " W = " wlist[wi] " s |"; sep = sep "---|" }
    print hdr; print sep
    for (i = 1; i <= nv; i++) {
        v = V[i]; if (!(v in runs)) continue
        row = "| " v " |"
        for (wi = 1; wi <= nw; wi++) { k = v " after" wlist[wi]; row = row " " ((k in acc) ? median(acc[k]) "%" : "-") " |" }
        print row
    }
    print ""
    print "## Per-second handshake rate from port open"
    print ""
    print "One line per run: handshakes completed in each second after the port opened."
    print ""
    print "```"
    for (i = 1; i <= nv; i++) for (rep = 1; rep <= reps; rep++) if ((V[i], rep) in curve)
        printf "%-17s r%d  other %s  readiness %s\n    %s\n", V[i], rep, other[V[i], rep], ready[V[i], rep], spaced(curve[V[i], rep])
    print "```"
}' "$RESULTS" > "$REPORT_OUT"
log "report: $REPORT_OUT"
grep '^|' "$REPORT_OUT" >&2
