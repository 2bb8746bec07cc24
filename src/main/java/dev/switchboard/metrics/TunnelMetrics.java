package dev.switchboard.metrics;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.springframework.web.server.ServerWebExchange;

import dev.switchboard.ExchangeAttributes;
import dev.switchboard.tunnel.GatewayCloseReason;
import dev.switchboard.tunnel.TrafficRecorder;
import dev.switchboard.tunnel.Tunnel;
import dev.switchboard.tunnel.TunnelListener;
import dev.switchboard.tunnel.TunnelSummary;
import dev.switchboard.upgrade.HandshakeOutcome;
import dev.switchboard.upgrade.HandshakeRecorder;

import static dev.switchboard.metrics.SwitchboardMeters.CODE;
import static dev.switchboard.metrics.SwitchboardMeters.DIRECTION;
import static dev.switchboard.metrics.SwitchboardMeters.GATEWAY_CLOSES;
import static dev.switchboard.metrics.SwitchboardMeters.HANDSHAKE_DURATION;
import static dev.switchboard.metrics.SwitchboardMeters.INITIATOR;
import static dev.switchboard.metrics.SwitchboardMeters.INSTANCE;
import static dev.switchboard.metrics.SwitchboardMeters.OUTCOME;
import static dev.switchboard.metrics.SwitchboardMeters.REASON;
import static dev.switchboard.metrics.SwitchboardMeters.ROUTE;
import static dev.switchboard.metrics.SwitchboardMeters.STATUS;
import static dev.switchboard.metrics.SwitchboardMeters.TO_BACKEND;
import static dev.switchboard.metrics.SwitchboardMeters.TO_CLIENT;
import static dev.switchboard.metrics.SwitchboardMeters.TUNNELS_OPEN;
import static dev.switchboard.metrics.SwitchboardMeters.TUNNEL_BYTES;
import static dev.switchboard.metrics.SwitchboardMeters.TUNNEL_CLOSES;
import static dev.switchboard.metrics.SwitchboardMeters.TUNNEL_DURATION;
import static dev.switchboard.metrics.SwitchboardMeters.TUNNEL_MESSAGES;
import static dev.switchboard.metrics.SwitchboardMeters.UPGRADES;
import static dev.switchboard.metrics.SwitchboardMeters.codeTag;

/**
 * Switchboard's tunnel and handshake meters. Meters are looked up once per route (or
 * route and instance) and cached; a tunnel holds its route's traffic counters directly,
 * so relaying data costs two counter additions per read and no lookup at all.
 */
public class TunnelMetrics implements HandshakeRecorder, TunnelListener {

	private final MeterRegistry registry;

	private final Map<String, RouteMeters> routes = new ConcurrentHashMap<>();

	private final Map<String, AtomicInteger> open = new ConcurrentHashMap<>();

	public TunnelMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	@Override
	public void record(ServerWebExchange exchange, String routeId, HandshakeOutcome outcome, int status,
			long durationNanos) {
		Counter.builder(UPGRADES)
			.description("WebSocket handshakes by outcome")
			.tags(ROUTE, routeId, OUTCOME, outcome.tag(), STATUS, String.valueOf(status), REASON,
					exchange.getAttributeOrDefault(ExchangeAttributes.REFUSED_BY, "none"))
			.register(this.registry)
			.increment();
		Timer.builder(HANDSHAKE_DURATION)
			.description("Time from a handshake request to the gateway's answer")
			.tags(ROUTE, routeId, OUTCOME, outcome.tag())
			.publishPercentileHistogram()
			.register(this.registry)
			.record(durationNanos, TimeUnit.NANOSECONDS);
	}

	/** The traffic recorder for one direction of a route's tunnels. */
	public TrafficRecorder traffic(String routeId, boolean toBackend) {
		RouteMeters meters = route(routeId);
		return toBackend ? meters.toBackend : meters.toClient;
	}

	@Override
	public void onOpen(Tunnel tunnel) {
		openCount(tunnel.routeId(), instance(tunnel)).incrementAndGet();
	}

	@Override
	public void onClose(Tunnel tunnel, TunnelSummary summary) {
		openCount(tunnel.routeId(), instance(tunnel)).decrementAndGet();
		String routeId = summary.routeId();
		String initiator = summary.initiator().tag();
		Timer.builder(TUNNEL_DURATION)
			.description("How long tunnels lived")
			.tags(ROUTE, routeId, INITIATOR, initiator)
			.publishPercentileHistogram()
			.minimumExpectedValue(Duration.ofMillis(100))
			.maximumExpectedValue(Duration.ofDays(1))
			.register(this.registry)
			.record(summary.durationNanos(), TimeUnit.NANOSECONDS);
		Counter.builder(TUNNEL_CLOSES)
			.description("Ended tunnels by who closed them and the close code")
			.tags(ROUTE, routeId, INITIATOR, initiator, CODE, codeTag(summary.closeCode()))
			.register(this.registry)
			.increment();
		GatewayCloseReason reason = summary.gatewayReason();
		if (reason != null) {
			Counter.builder(GATEWAY_CLOSES)
				.description("Tunnels the gateway closed, by reason")
				.tags(ROUTE, routeId, REASON, reason.tag())
				.register(this.registry)
				.increment();
		}
	}

	private static String instance(Tunnel tunnel) {
		return tunnel.backendInstance();
	}

	private AtomicInteger openCount(String routeId, String instance) {
		return this.open.computeIfAbsent(routeId + '\n' + instance, (key) -> {
			AtomicInteger count = new AtomicInteger();
			Gauge.builder(TUNNELS_OPEN, count, AtomicInteger::get)
				.description("Open tunnels by route and backend instance")
				.tags(ROUTE, routeId, INSTANCE, instance)
				.register(this.registry);
			return count;
		});
	}

	private RouteMeters route(String routeId) {
		return this.routes.computeIfAbsent(routeId, (id) -> new RouteMeters(this.registry, id));
	}

	/** A route's traffic counters, resolved once. */
	private static final class RouteMeters {

		final TrafficRecorder toBackend;

		final TrafficRecorder toClient;

		RouteMeters(MeterRegistry registry, String routeId) {
			this.toBackend = recorder(registry, routeId, TO_BACKEND);
			this.toClient = recorder(registry, routeId, TO_CLIENT);
		}

		private static TrafficRecorder recorder(MeterRegistry registry, String routeId, String direction) {
			Counter messages = Counter.builder(TUNNEL_MESSAGES)
				.description("Data messages relayed through tunnels")
				.tags(ROUTE, routeId, DIRECTION, direction)
				.register(registry);
			Counter bytes = Counter.builder(TUNNEL_BYTES)
				.description("Bytes relayed through tunnels, frame headers included")
				.baseUnit("bytes")
				.tags(ROUTE, routeId, DIRECTION, direction)
				.register(registry);
			return (messageCount, byteCount) -> {
				if (messageCount > 0) {
					messages.increment(messageCount);
				}
				bytes.increment(byteCount);
			};
		}

	}

}
