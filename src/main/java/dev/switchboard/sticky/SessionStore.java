package dev.switchboard.sticky;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;

import reactor.core.publisher.Mono;

/**
 * Where sticky assignments (affinity key to instance) are kept, shared by every gateway
 * replica. Implementations never fail a request: an unreachable store answers
 * {@link Lookup#UNAVAILABLE}.
 */
interface SessionStore {

	/**
	 * The instance recorded for {@code key}, pushing its expiry {@code ttl} into the
	 * future.
	 */
	Mono<Lookup> find(String key, Duration ttl);

	/** Records {@code instance} for every key; never errors. */
	Mono<Void> assign(Collection<String> keys, String instance, Duration ttl);

	/** Whether the store is currently being bypassed. */
	boolean degraded();

	/**
	 * Number of keys starting with {@code prefix} per recorded instance (for operators;
	 * not on the hot path).
	 */
	Mono<Map<String, Long>> countByInstance(String prefix);

	/** The answer to a lookup. */
	record Lookup(Status status, String instance) {

		static final Lookup ABSENT = new Lookup(Status.ABSENT, null);

		static final Lookup UNAVAILABLE = new Lookup(Status.UNAVAILABLE, null);

		static Lookup found(String instance) {
			return new Lookup(Status.FOUND, instance);
		}

	}

	enum Status {

		FOUND, ABSENT, UNAVAILABLE

	}

}
