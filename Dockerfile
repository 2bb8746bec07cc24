# syntax=docker/dockerfile:1
# Switchboard container image: two stages, the layered Spring Boot jar, Java 25 with an AOT cache
# trained under load, a non-root numeric user.
#
#   docker build -t switchboard:0.1.0 .
#   docker run --rm -p 8080:8080 -p 9090:9090 switchboard:0.1.0
#
# Why Java 25 and a trained AOT cache (issue #12, a reconnect storm lands on freshly started
# replicas; bench/coldstart.sh does every step below with plain commands and measures it, see
# bench/RESULTS-coldstart.md). Medians of 3 interleaved runs on a shared 2-core machine (every run
# disturbed by other jobs: read the trends, not the digits); first 10 s of handshake load from port
# open, as handshakes per CPU-second of the gateway, % of the same JVM's warm figure:
#   Java 17, JarLauncher (the image until now ran the same on Java 21)   14% (start-up 4.6-24 s)
#   Java 25 + the Unsafe flags, no cache                                 12%
#   Java 25 + the Unsafe flags + this cache (trained under load)         19% (start-up 4.8-9.4 s)
#   the same with a cache trained Spring's documented way (no load)      14%
# On a quiet machine the cache halved the start-up (2.4 s instead of 4.7 s for Java 17). No variant
# reaches 70% of the warm rate in the first 10 s: Java 25's cache holds classes and profiles, not
# compiled code, and the JIT still needs ~25-45 s of load on 2 cores.

# ---- Stage 1: build the fat jar (and the bench tools the training run drives load with) ----
# Java 21 builds the project (the code targets 17); the runtime stage below is Java 25.
FROM eclipse-temurin:21-jdk AS builder
WORKDIR /build

# The Maven wrapper and the POM, then the main sources (the tests are not in the build context, see
# .dockerignore: CI runs them, not the image build).
COPY mvnw pom.xml ./
COPY .mvn .mvn
COPY src src

# Build the jar without tests. The local Maven repository (and the Maven the wrapper fetches) lives
# in a BuildKit cache mount, so rebuilds download nothing that was downloaded before.
RUN --mount=type=cache,target=/root/.m2 ./mvnw -q -B -DskipTests package

# Split the jar into its layers (dependencies, spring-boot-loader, snapshot-dependencies,
# application) as `switchboard.jar` plus `lib/`, the form Spring Boot's AOT cache docs prescribe:
# started with `java -jar switchboard.jar`, 510 of the classes a start-up loads did not come from
# the cache; with JarLauncher's exploded jar (`--launcher`, its own class loader) 1,847 did.
RUN cp target/switchboard-*.jar switchboard.jar \
    && java -Djarmode=tools -jar switchboard.jar extract --layers --destination extracted

# The bench tools (echo backend and load generator, bench/): used by the training run only, never
# copied into the runtime image.
COPY bench/pom.xml bench/pom.xml
COPY bench/src bench/src
RUN --mount=type=cache,target=/root/.m2 ./mvnw -q -B -DskipTests -f bench/pom.xml package

# ---- Stage 2: the runtime ----
FROM eclipse-temurin:25-jre

# OCI metadata.
LABEL org.opencontainers.image.title="switchboard" \
      org.opencontainers.image.description="A WebSocket-aware API gateway built on Spring Cloud Gateway" \
      org.opencontainers.image.version="0.1.0"

# A numeric non-root user, the same UID/GID as the Helm chart's securityContext (10001), so
# Kubernetes can check runAsNonRoot without a passwd lookup.
RUN groupadd --system --gid 10001 switchboard \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin switchboard

WORKDIR /app

# Layers from least to most often changed, so a code change only replaces the last ones.
COPY --from=builder /build/extracted/dependencies/ ./
COPY --from=builder /build/extracted/spring-boot-loader/ ./
COPY --from=builder /build/extracted/snapshot-dependencies/ ./
COPY --from=builder /build/extracted/application/ ./

# The AOT cache (JEP 483/514/515): the training run starts the gateway exactly as the ENTRYPOINT
# does (same JVM, same files, same class path, the runtime's options below), drives 20 s of
# handshakes (each with an echo through the tunnel), 6 s of 64 B echo and 3 s of 1 MiB echo
# through it from the bench load generator to the bench echo backend, and stops it with SIGTERM;
# the JVM writes /app/app.aot at exit: the classes loaded and linked, and the method profiles of
# the handshake and tunnel path, so the JIT compiles that path from the first requests on.
# Spring's documented training (-Dspring.context.exit=onRefresh) stops before the first request
# and records none of that (its cache: 14% above). The bench jar and the script are bind
# mounts: nothing of them stays in the image. -XX:MaxRAM=1g stands in for the chart's memory limit.
# Cost: one layer of 100 MB (89 MB for Spring's untrained cache), about 65 s of build time. The cache is valid only for this JVM
# build and these files: any change rebuilds this layer (a newer base image, a code change).
RUN --mount=type=bind,from=builder,source=/build/bench/target/switchboard-bench.jar,target=/tmp/switchboard-bench.jar \
    --mount=type=bind,source=deploy/aot-training.sh,target=/tmp/aot-training.sh \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=60 -XX:MaxRAM=1g --sun-misc-unsafe-memory-access=allow -Dio.netty.noUnsafe=false" \
    bash /tmp/aot-training.sh --app-dir /app --cache /app/app.aot --bench-jar /tmp/switchboard-bench.jar \
        --log-dir /tmp/aot-training \
    && rm -rf /tmp/aot-training /tmp/hsperfdata_*

# JVM options (the Helm chart replaces this variable with its value jvm.options, the same default):
# - -XX:MaxRAMPercentage=60: heap at most 60% of the container's memory limit; the rest is headroom
#   for Netty's direct buffers, metaspace and thread stacks. GC stays the JVM's default (G1).
# - --sun-misc-unsafe-memory-access=allow -Dio.netty.noUnsafe=false: on Java 25 Netty 4.2 stops
#   using sun.misc.Unsafe unless both are set (measured: 1 MiB WebSocket messages 31% slower
#   without them). Java 17/21 refuse the first flag: keep them only on a Java 25+ base.
# - -XX:AOTCache=/app/app.aot: the cache trained above. A missing or mismatched cache is not an
#   error: the JVM warns and starts without it.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=60 --sun-misc-unsafe-memory-access=allow -Dio.netty.noUnsafe=false -XX:AOTCache=/app/app.aot"

# Public port (HTTP and WebSocket) and management port (actuator: probes, Prometheus).
EXPOSE 8080 9090

# Run as the unprivileged user from here on.
USER 10001:10001

# Exec form: the JVM is PID 1 and receives SIGTERM itself, which starts the graceful shutdown
# (open tunnels get close 1001, in-flight requests finish). The same command as the training run.
ENTRYPOINT ["java", "-jar", "switchboard.jar"]
