package dev.switchboard.sticky;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.springframework.cloud.client.ServiceInstance;

/**
 * What one request on an {@code lb://} route carries through the balancer, the tunnel's retry hook and
 * its response: the affinity key it presented, the instances it may use, and what was chosen. Kept in
 * an exchange attribute, which Spring Cloud Gateway also hands to the balancer.
 */
final class StickyExchange {

	static final String ATTRIBUTE = StickyExchange.class.getName();

	final String routeId;

	/** The route's sticky settings, or null when the route is balanced but not sticky. */
	final StickySettings settings;

	/** The session id: the verified one the client presented, or a new one; null when a learned key stands in. */
	final String sessionId;

	/** Whether {@link #sessionId} was minted for this request (the response sets the cookie). */
	final boolean minted;

	/** The learned key the client presented (cookie or query parameter), or null. */
	final String learnedKey;

	/** The Redis key looked up, or null for a brand-new session. */
	final String lookupKey;

	/** Instances that could not be reached during this request. */
	final Set<String> tried = new HashSet<>();

	List<ServiceInstance> candidates = List.of();

	ServiceInstance chosen;

	Decision decision;

	StickyExchange(String routeId, StickySettings settings, String sessionId, boolean minted, String learnedKey,
			String lookupKey) {
		this.routeId = routeId;
		this.settings = settings;
		this.sessionId = sessionId;
		this.minted = minted;
		this.learnedKey = learnedKey;
		this.lookupKey = lookupKey;
	}

	/** The key rendezvous hashing uses: the session id, else the learned key. */
	String hashKey() {
		return (this.sessionId != null) ? this.sessionId : this.learnedKey;
	}

	boolean sticky() {
		return this.settings != null;
	}

}
