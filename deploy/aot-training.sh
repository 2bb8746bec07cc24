#!/usr/bin/env bash
# The AOT cache training run (JEP 483/514/515, Java 25+): the Dockerfile's runtime stage runs it on the
# image's own JVM and files, bench/coldstart.sh runs it on this machine.
#
#   JAVA_TOOL_OPTIONS="<the runtime's options, without -XX:AOTCache>" \
#     deploy/aot-training.sh --app-dir /app --cache /app/app.aot --bench-jar switchboard-bench.jar
#
# Spring Boot's documented training (-Dspring.context.exit=onRefresh) stops before the first request:
# the cache then holds the start-up classes but nothing of the request path, and no method profiles
# of it. This run starts the gateway from --app-dir (`java -jar switchboard.jar`, the image's
# ENTRYPOINT: the cache is only valid for the class path it was trained with) with one route to the
# bench echo backend, drives load through it with the bench load generator (handshakes: TCP connect,
# upgrade, one text echo through the tunnel, close; then pipelined 64 B echo; then 1 MiB echo), and
# stops it with SIGTERM: the JVM writes the cache at exit (loaded classes, linked call sites, the
# method profiles JEP 515 adds). JAVA_TOOL_OPTIONS applies to the gateway only.
#
# Options: --java (java), --hs-s (20), --echo-s (6), --large-s (3) seconds of each load,
# --port (18080), --mgmt-port (18090), --backend-port (18070), --log-dir (default: a new temporary
# directory), --main jar|launcher (launcher: JarLauncher in an `extract --launcher` layout, for comparison).
set -euo pipefail

JAVA=java; APP_DIR=""; CACHE=""; BENCH_JAR=""; HS_S=20; ECHO_S=6; LARGE_S=3
PORT=18080; MGMT_PORT=18090; BACKEND_PORT=18070; LOG_DIR=""; MAIN=jar
while [ $# -gt 0 ]; do
    case "$1" in
        --java) JAVA=$2 ;;
        --app-dir) APP_DIR=$2 ;;
        --cache) CACHE=$2 ;;
        --bench-jar) BENCH_JAR=$2 ;;
        --hs-s) HS_S=$2 ;;
        --echo-s) ECHO_S=$2 ;;
        --large-s) LARGE_S=$2 ;;
        --port) PORT=$2 ;;
        --mgmt-port) MGMT_PORT=$2 ;;
        --backend-port) BACKEND_PORT=$2 ;;
        --log-dir) LOG_DIR=$2 ;;
        --main) MAIN=$2 ;;
        *) echo "aot-training.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift 2
done
[ -n "$APP_DIR" ] && [ -n "$CACHE" ] && [ -n "$BENCH_JAR" ] || { echo "aot-training.sh: --app-dir, --cache and --bench-jar are required" >&2; exit 2; }
GATEWAY_OPTS=${JAVA_TOOL_OPTIONS:-}
unset JAVA_TOOL_OPTIONS
LOG_DIR=${LOG_DIR:-$(mktemp -d)}
mkdir -p "$LOG_DIR"
# The load generator and the backend: small heaps, so the build needs no more memory than the gateway.
TOOLS=("$JAVA" -Xms64m -Xmx512m -Dio.netty.leakDetection.level=disabled -jar "$BENCH_JAR")
log() { echo "[aot-training $(date +%H:%M:%S)] $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { # port pid: up to 120 s
    for _ in $(seq 1 1200); do
        port_open "$1" && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

BACKEND=""; GATEWAY=""
cleanup() { for pid in $GATEWAY $BACKEND; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

"${TOOLS[@]}" echo-server --port "$BACKEND_PORT" > "$LOG_DIR/training-backend.log" 2>&1 &
BACKEND=$!
wait_port "$BACKEND_PORT" "$BACKEND" || { cat "$LOG_DIR/training-backend.log" >&2; exit 1; }

MAIN_ARGS=(-jar switchboard.jar)
[ "$MAIN" = launcher ] && MAIN_ARGS=(org.springframework.boot.loader.launch.JarLauncher)
rm -f "$CACHE"
log "gateway with -XX:AOTCacheOutput=$CACHE; JAVA_TOOL_OPTIONS=$GATEWAY_OPTS"
(cd "$APP_DIR" && JAVA_TOOL_OPTIONS="$GATEWAY_OPTS" exec "$JAVA" "-XX:AOTCacheOutput=$CACHE" "${MAIN_ARGS[@]}" \
    "--server.port=$PORT" "--management.server.port=$MGMT_PORT" \
    "--spring.cloud.gateway.server.webflux.routes[0].id=training-echo" \
    "--spring.cloud.gateway.server.webflux.routes[0].uri=ws://127.0.0.1:$BACKEND_PORT" \
    "--spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/**" \
    "--spring.cloud.gateway.server.webflux.httpclient.websocket.max-frame-payload-length=16777216" \
    "--switchboard.shutdown.accept-delay=0s" "--switchboard.shutdown.close-spread=0s") \
    > "$LOG_DIR/training-gateway.log" 2>&1 &
GATEWAY=$!
wait_port "$PORT" "$GATEWAY" || { tail -n 40 "$LOG_DIR/training-gateway.log" >&2; exit 1; }

URL="ws://127.0.0.1:$PORT/echo"
log "load: ${HS_S} s handshakes, ${ECHO_S} s 64 B echo, ${LARGE_S} s 1 MiB echo"
"${TOOLS[@]}" loadgen handshake --url "$URL" --concurrency 32 --warmup 0 --duration "$HS_S" > "$LOG_DIR/training-load.log" 2>&1
"${TOOLS[@]}" loadgen throughput --url "$URL" --connections 50 --inflight 16 --warmup 0 --duration "$ECHO_S" >> "$LOG_DIR/training-load.log" 2>&1
"${TOOLS[@]}" loadgen large --url "$URL" --connections 4 --warmup 0 --duration "$LARGE_S" >> "$LOG_DIR/training-load.log" 2>&1
# Each load must have worked: a training run that saw only refusals would record the wrong path.
if [ "$(grep -c '^RESULT .*ok=1' "$LOG_DIR/training-load.log")" != 3 ]; then
    cat "$LOG_DIR/training-load.log" >&2
    log "the training load failed"
    exit 1
fi
grep '^RESULT ' "$LOG_DIR/training-load.log" | grep -o 'workload=[a-z]*\|rate=[0-9]*\|msgs_per_s=[0-9]*' \
    | paste -sd ' ' | sed 's/ workload=/; workload=/g; s/^/  /' >&2 || true

log "SIGTERM: the JVM writes the cache at exit"
kill -TERM "$GATEWAY"
wait "$GATEWAY" || true
GATEWAY=""
[ -s "$CACHE" ] || { tail -n 40 "$LOG_DIR/training-gateway.log" >&2; log "no cache written"; exit 1; }
log "$CACHE: $(du -h "$CACHE" | cut -f1)"
