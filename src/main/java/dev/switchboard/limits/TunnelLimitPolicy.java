package dev.switchboard.limits;

import java.util.ArrayList;
import java.util.List;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ServerWebExchange;

import dev.switchboard.ExchangeAttributes;
import dev.switchboard.config.RouteSettings;
import dev.switchboard.forwarded.ClientOrigin;
import dev.switchboard.redis.SwitchboardRedisProperties;
import dev.switchboard.upgrade.HandshakeOutcome;
import dev.switchboard.upgrade.HandshakePolicy;
import dev.switchboard.upgrade.HandshakeRecorder;
import dev.switchboard.upgrade.UpgradeRequests;

/**
 * Refuses, with 503 and {@code Retry-After}, a handshake that would take a route, a
 * client address or a subject over its maximum of open tunnels, counted over every
 * replica. An accepted handshake holds one slot per limit until its client connection
 * closes, or until the handshake ends without a tunnel (a backend refusal, a 502).
 */
public class TunnelLimitPolicy implements HandshakePolicy, HandshakeRecorder {

	/** The {@code reason} tag of refusals. */
	static final String NAME = "concurrency";

	private static final String LEASE = TunnelLimitPolicy.class.getName() + ".lease";

	private final RouteSettings<LimitSettings> settings;

	private final SharedTunnelCounts counts;

	private final ClientOrigin clientOrigin;

	private final SwitchboardRedisProperties keys;

	public TunnelLimitPolicy(RouteSettings<LimitSettings> settings, SharedTunnelCounts counts,
			ClientOrigin clientOrigin, SwitchboardRedisProperties keys) {
		this.settings = settings;
		this.counts = counts;
		this.clientOrigin = clientOrigin;
		this.keys = keys;
	}

	@Override
	public int getOrder() {
		return LIMITS;
	}

	@Override
	public Mono<Refusal> check(ServerWebExchange exchange, Route route) {
		LimitSettings limits = this.settings.forRoute(route);
		if (route == null || !limits.any()) {
			return Mono.empty();
		}
		List<Limit> wanted = limitsFor(exchange, route.getId(), limits);
		if (wanted.isEmpty()) {
			return Mono.empty();
		}
		TunnelLease lease = new TunnelLease(this.counts);
		exchange.getAttributes().put(LEASE, lease);
		// However the tunnel ends, its client connection closes: that gives the slots
		// back, also for a client that leaves before the backend answers.
		UpgradeRequests.clientChannel(exchange.getRequest()).closeFuture().addListener((closed) -> lease.release());
		return acquire(wanted, 0, lease, limits);
	}

	private List<Limit> limitsFor(ServerWebExchange exchange, String routeId, LimitSettings limits) {
		List<Limit> wanted = new ArrayList<>(3);
		if (limits.maxTunnelsPerRoute() > 0) {
			wanted.add(new Limit(this.keys.key("limits", routeId, "route"), limits.maxTunnelsPerRoute(),
					"route " + routeId, null));
		}
		if (limits.maxTunnelsPerClient() > 0) {
			String client = this.clientOrigin.clientAddress(exchange.getRequest());
			wanted.add(new Limit(this.keys.key("limits", routeId, "client", client), limits.maxTunnelsPerClient(),
					"client " + client, routeId));
		}
		String subject = exchange.getAttribute(ExchangeAttributes.SUBJECT);
		if (limits.maxTunnelsPerSubject() > 0 && subject != null) {
			wanted.add(new Limit(this.keys.key("limits", routeId, "subject", subject), limits.maxTunnelsPerSubject(),
					"subject", routeId));
		}
		return wanted;
	}

	private Mono<Refusal> acquire(List<Limit> wanted, int index, TunnelLease lease, LimitSettings limits) {
		if (index == wanted.size()) {
			return Mono.empty();
		}
		Limit limit = wanted.get(index);
		return this.counts.tryAcquire(limit.key(), limit.max(), lease).flatMap((taken) -> {
			if (!taken) {
				lease.release();
				Refusal refusal = new Refusal(HttpStatus.SERVICE_UNAVAILABLE, NAME, limit.refusal());
				return Mono.just(refusal.retryAfter(limits.limitRetryAfter()));
			}
			return acquire(wanted, index + 1, lease, limits);
		});
	}

	@Override
	public void record(ServerWebExchange exchange, String routeId, HandshakeOutcome outcome, int status,
			long durationNanos) {
		TunnelLease lease = exchange.getAttribute(LEASE);
		if (lease != null && outcome != HandshakeOutcome.SUCCESS) {
			lease.release();
		}
	}

	/**
	 * One limit a handshake is counted against: {@code holder} names who holds the
	 * tunnels, on {@code routeId} (null for a route's own limit).
	 */
	private record Limit(String key, int max, String holder, String routeId) {

		/** The refusal's reason, only built for a refusal. */
		String refusal() {
			return this.holder + " holds its maximum of " + this.max + " tunnels"
					+ ((this.routeId != null) ? " on route " + this.routeId : "");
		}

	}

}
