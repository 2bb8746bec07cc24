package dev.switchboard.limits;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;

import dev.switchboard.ExchangeAttributes;
import dev.switchboard.FilterOrder;
import dev.switchboard.OneLineAnswer;
import dev.switchboard.config.RouteSettings;
import dev.switchboard.upgrade.HandshakeOutcome;
import dev.switchboard.upgrade.HandshakeRecorder;
import dev.switchboard.upgrade.UpgradeRequests;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * Admission control for reconnect storms: counts the WebSocket handshakes in progress on
 * this replica and sheds those beyond the route's {@code max-handshakes-in-flight} with
 * 503 and a jittered {@code Retry-After}, before any other work is done for them (no
 * sticky lookup, no backend connection). Queueing them instead only makes every client
 * wait until it times out and retries, all at once; a quick 503 lets the clients' backoff
 * spread the load. Runs first among the global filters.
 */
class HandshakeAdmission implements GlobalFilter, Ordered {

	private static final Log logger = LogFactory.getLog(HandshakeAdmission.class);

	/** The {@code reason} tag of refusals. */
	static final String NAME = "overload";

	private static final long LOG_INTERVAL_NANOS = 1_000_000_000L;

	private final RouteSettings<AdmissionSettings> settings;

	private final List<HandshakeRecorder> recorders;

	private final AtomicInteger inFlight = new AtomicInteger();

	/** Shed since the last log line, which says how many (at most one line a second). */
	private final AtomicLong shedSinceLog = new AtomicLong();

	private final AtomicLong lastLogNanos = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);

	HandshakeAdmission(RouteSettings<AdmissionSettings> settings, List<HandshakeRecorder> recorders) {
		this.settings = settings;
		this.recorders = recorders;
	}

	@Override
	public int getOrder() {
		return FilterOrder.ADMISSION;
	}

	/** Handshakes in progress right now. */
	int inFlight() {
		return this.inFlight.get();
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		if (!UpgradeRequests.isWebSocketUpgrade(exchange.getRequest().getHeaders())) {
			return chain.filter(exchange);
		}
		Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
		AdmissionSettings admission = this.settings.forRoute(route);
		if (this.inFlight.get() >= admission.limit()) {
			return shed(exchange, route, admission);
		}
		this.inFlight.incrementAndGet();
		// Until the backend answered or the handshake failed; also when the client
		// leaves before (the chain is cancelled).
		return chain.filter(exchange).doFinally((signal) -> this.inFlight.decrementAndGet());
	}

	private Mono<Void> shed(ServerWebExchange exchange, Route route, AdmissionSettings admission) {
		long start = System.nanoTime();
		logShed(admission.limit());
		exchange.getAttributes().put(ExchangeAttributes.REFUSED_BY, NAME);
		ServerHttpResponse response = exchange.getResponse();
		long base = Math.max(1, admission.overloadRetryAfter().toSeconds());
		response.getHeaders()
			.set(HttpHeaders.RETRY_AFTER, Long.toString(base + ThreadLocalRandom.current().nextLong(base + 1)));
		HandshakeRecorder.recordAll(this.recorders, exchange, (route != null) ? route.getId() : "?",
				HandshakeOutcome.REFUSED_BY_POLICY, HttpStatus.SERVICE_UNAVAILABLE.value(), System.nanoTime() - start);
		return OneLineAnswer.send(response, HttpStatus.SERVICE_UNAVAILABLE,
				"gateway overloaded: too many handshakes in progress, retry later");
	}

	/** During a storm thousands are shed a second: one line a second says how many. */
	private void logShed(int limit) {
		long shed = this.shedSinceLog.incrementAndGet();
		long now = System.nanoTime();
		long last = this.lastLogNanos.get();
		if (now - last >= LOG_INTERVAL_NANOS && this.lastLogNanos.compareAndSet(last, now)) {
			this.shedSinceLog.addAndGet(-shed);
			logger.warn("Shed " + shed + " WebSocket handshake(s) with 503 in the last "
					+ Math.max(1, (now - last) / LOG_INTERVAL_NANOS) + "s: " + this.inFlight.get()
					+ " in progress, limit " + limit + " (max-handshakes-in-flight)");
		}
	}

}
