package dev.switchboard.sticky;

import dev.switchboard.redis.SwitchboardRedisProperties;

/**
 * The Redis keys of sticky assignments: {@code <prefix>:sticky:<route>:s:<session id>}
 * for sessions, {@code <prefix>:sticky:<route>:l:<learned key>} for keys learned from
 * backends.
 */
final class StickyKeys {

	private final SwitchboardRedisProperties redis;

	StickyKeys(SwitchboardRedisProperties redis) {
		this.redis = redis;
	}

	String session(String routeId, String sessionId) {
		return this.redis.key("sticky", routeId, "s", sessionId);
	}

	String learned(String routeId, String value) {
		return this.redis.key("sticky", routeId, "l", value);
	}

	/** The prefix of every session key of a route. */
	String sessions(String routeId) {
		return this.redis.key("sticky", routeId, "s", "");
	}

}
