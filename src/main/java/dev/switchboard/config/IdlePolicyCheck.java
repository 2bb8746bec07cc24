package dev.switchboard.config;

import java.time.Duration;
import java.util.function.Function;

/**
 * The timing rules a tunnel's settings must keep, checked at startup for the defaults and every route:
 * a combination that cannot work is refused with the properties named and the fix, instead of
 * showing up in production as tunnels cut at random.
 */
final class IdlePolicyCheck {

	/** How far below the edge's idle timeout the heartbeat interval must stay: room for jitter and a round trip. */
	static final double EDGE_MARGIN = 0.75;

	private IdlePolicyCheck() {
	}

	static void check(TunnelSettings settings, String prefix, Duration edgeIdleTimeout,
			Function<String, RuntimeException> failure) {
		Duration interval = settings.heartbeatInterval();
		if (interval.isZero()) {
			return;
		}
		if ((settings.heartbeatTimeout().isNegative() || settings.heartbeatTimeout().isZero()) || settings.heartbeatTimeout().compareTo(interval) >= 0) {
			throw failure.apply(prefix + "heartbeat-timeout (" + settings.heartbeatTimeout() + ") must be greater than zero and shorter than "
					+ prefix + "heartbeat-interval (" + interval + "): a peer must be able to answer one ping before the next is due."
					+ " Lower heartbeat-timeout or raise heartbeat-interval");
		}
		if (!settings.idleTimeout().isZero() && interval.compareTo(settings.idleTimeout()) >= 0) {
			throw failure.apply(prefix + "heartbeat-interval (" + interval + ") must be shorter than " + prefix + "idle-timeout ("
					+ settings.idleTimeout() + "), or heartbeats could never keep a quiet tunnel's peers checked before it is closed."
					+ " Lower heartbeat-interval or raise idle-timeout");
		}
		if (edgeIdleTimeout != null && interval.toMillis() > edgeIdleTimeout.toMillis() * EDGE_MARGIN) {
			throw failure.apply(prefix + "heartbeat-interval (" + interval + ") must be at most 75% of switchboard.edge-idle-timeout ("
					+ edgeIdleTimeout + "): the load balancer in front would cut quiet tunnels before a ping crosses it."
					+ " Lower heartbeat-interval, or raise the idle timeout of the load balancer or ingress (see README, Operations)");
		}
	}

}
