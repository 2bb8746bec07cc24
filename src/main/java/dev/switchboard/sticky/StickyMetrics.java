package dev.switchboard.sticky;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import static dev.switchboard.metrics.SwitchboardMeters.DECISION;
import static dev.switchboard.metrics.SwitchboardMeters.OPERATION;
import static dev.switchboard.metrics.SwitchboardMeters.ROUTE;
import static dev.switchboard.metrics.SwitchboardMeters.STICKY_DECISIONS;
import static dev.switchboard.metrics.SwitchboardMeters.STICKY_REDIS_DEGRADED;
import static dev.switchboard.metrics.SwitchboardMeters.STICKY_REDIS_ERRORS;
import static dev.switchboard.metrics.SwitchboardMeters.STICKY_REDIS_LATENCY;

/**
 * Sticky routing's meters (names and tags declared in {@code SwitchboardMeters}). Tags
 * are bounded: route ids, decisions, Redis operations; never session ids, client
 * addresses or paths. Meters are resolved once and cached.
 */
final class StickyMetrics {

	private final MeterRegistry registry;

	private final Map<String, Map<Decision, Counter>> decisions = new ConcurrentHashMap<>();

	private final Map<String, Timer> latency = new ConcurrentHashMap<>();

	private final Map<String, Counter> errors = new ConcurrentHashMap<>();

	StickyMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	void decision(String routeId, Decision decision) {
		this.decisions.computeIfAbsent(routeId, this::decisionCounters).get(decision).increment();
	}

	private Map<Decision, Counter> decisionCounters(String routeId) {
		Map<Decision, Counter> counters = new EnumMap<>(Decision.class);
		for (Decision decision : Decision.values()) {
			counters.put(decision,
					Counter.builder(STICKY_DECISIONS)
						.description("How sticky routes chose backend instances")
						.tag(ROUTE, routeId)
						.tag(DECISION, decision.tag)
						.register(this.registry));
		}
		return counters;
	}

	void redisLatency(String operation, long nanos) {
		this.latency
			.computeIfAbsent(operation,
					(op) -> Timer.builder(STICKY_REDIS_LATENCY)
						.description("Round trips to Redis for sticky assignments")
						.tag(OPERATION, op)
						.publishPercentileHistogram()
						.register(this.registry))
			.record(nanos, TimeUnit.NANOSECONDS);
	}

	void redisError(String operation) {
		this.errors
			.computeIfAbsent(operation,
					(op) -> Counter.builder(STICKY_REDIS_ERRORS)
						.description("Redis commands for sticky assignments that failed or timed out")
						.tag(OPERATION, op)
						.register(this.registry))
			.increment();
	}

	void degradedGauge(Supplier<Boolean> degraded) {
		Gauge.builder(STICKY_REDIS_DEGRADED, () -> degraded.get() ? 1 : 0)
			.description("1 while sticky routing runs without Redis (rendezvous hashing), else 0")
			.register(this.registry);
	}

}
