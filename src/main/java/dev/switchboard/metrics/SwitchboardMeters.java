package dev.switchboard.metrics;

/**
 * Every meter Switchboard publishes and every tag it uses, named once. Names follow
 * Micrometer's dotted convention; the Prometheus registry exports them in snake_case with
 * units ({@code switchboard.upgrades} becomes {@code switchboard_upgrades_total}). Tags
 * are bounded: route ids, backend instances, outcomes, reasons and close code classes;
 * never a session, client or path.
 */
public final class SwitchboardMeters {

	/** Counter: WebSocket handshakes, by route, outcome and the status the client got. */
	public static final String UPGRADES = "switchboard.upgrades";

	/** Timer with histogram: request to the gateway's answer, by route and outcome. */
	public static final String HANDSHAKE_DURATION = "switchboard.handshake.duration";

	/** Gauge: open tunnels by route and backend instance. */
	public static final String TUNNELS_OPEN = "switchboard.tunnels.open";

	/** Timer with histogram: how long tunnels lived, by route and who closed them. */
	public static final String TUNNEL_DURATION = "switchboard.tunnel.duration";

	/** Counter: data messages relayed, by route and direction. */
	public static final String TUNNEL_MESSAGES = "switchboard.tunnel.messages";

	/** Counter: bytes relayed (frame headers included), by route and direction. */
	public static final String TUNNEL_BYTES = "switchboard.tunnel.bytes";

	/** Counter: ended tunnels, by route, initiator and close code (class). */
	public static final String TUNNEL_CLOSES = "switchboard.tunnel.closes";

	/** Counter: tunnels the gateway itself closed, by route and reason. */
	public static final String GATEWAY_CLOSES = "switchboard.tunnel.gateway.closes";

	/** Counter: how sticky routes chose backend instances, by route and decision. */
	public static final String STICKY_DECISIONS = "switchboard.sticky.decisions";

	/** Timer with histogram: Redis round trips for sticky assignments, by operation. */
	public static final String STICKY_REDIS_LATENCY = "switchboard.sticky.redis.latency";

	/**
	 * Counter: Redis commands for sticky assignments that failed or timed out, by
	 * operation.
	 */
	public static final String STICKY_REDIS_ERRORS = "switchboard.sticky.redis.errors";

	/** Gauge: 1 while sticky routing runs without Redis (rendezvous hashing), else 0. */
	public static final String STICKY_REDIS_DEGRADED = "switchboard.sticky.redis.degraded";

	/**
	 * Gauge: instances of a load-balanced service by state, as this gateway sees them.
	 */
	public static final String BACKEND_INSTANCES = "switchboard.backend.instances";

	/**
	 * Time gauge: when a background task (drain sync, Redis probe, DNS refresh) last
	 * succeeded, by task.
	 */
	public static final String TASK_LAST_SUCCESS = "switchboard.task.last.success";

	/**
	 * Counter: requests the public server refused before routing (malformed, missing
	 * Host, ...), by reason.
	 */
	public static final String REQUESTS_REFUSED = "switchboard.requests.refused";

	/**
	 * Counter: new configurations found on disk, by result (success: applied; failure:
	 * rejected).
	 */
	public static final String CONFIG_RELOADS = "switchboard.config.reloads";

	/**
	 * Gauge: 1 while the newest configuration on disk is rejected (the previous one stays
	 * in force).
	 */
	public static final String CONFIG_RELOAD_FAILING = "switchboard.config.reload.failing";

	/** Time gauge: when a new configuration was last applied (0: none since start). */
	public static final String CONFIG_LAST_RELOAD = "switchboard.config.last.reload";

	/**
	 * Gauge: 1 while tunnel limits are counted over every replica through Redis, 0 while
	 * each replica counts alone.
	 */
	public static final String LIMITS_SHARED = "switchboard.limits.shared";

	/** Gauge: WebSocket handshakes in progress on this replica (admission control). */
	public static final String HANDSHAKES_IN_FLIGHT = "switchboard.handshakes.in.flight";

	public static final String ROUTE = "route";

	public static final String OUTCOME = "outcome";

	public static final String STATUS = "status";

	public static final String INSTANCE = "backend_instance";

	public static final String INITIATOR = "initiator";

	public static final String CODE = "code";

	public static final String REASON = "reason";

	public static final String DIRECTION = "direction";

	public static final String TO_BACKEND = "to_backend";

	public static final String DECISION = "decision";

	public static final String OPERATION = "operation";

	public static final String SERVICE = "backend_service";

	public static final String STATE = "state";

	public static final String TASK = "task";

	public static final String RESULT = "result";

	public static final String TO_CLIENT = "to_client";

	private SwitchboardMeters() {
	}

	/**
	 * The close code as a bounded tag: the registered codes 1000-1015 as they are,
	 * application codes by class ({@code 3xxx}, {@code 4xxx}), anything else
	 * {@code other}.
	 */
	public static String codeTag(int code) {
		if (code >= 1000 && code <= 1015) {
			return String.valueOf(code);
		}
		if (code >= 3000 && code <= 3999) {
			return "3xxx";
		}
		if (code >= 4000 && code <= 4999) {
			return "4xxx";
		}
		return "other";
	}

}
