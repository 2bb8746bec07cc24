package dev.switchboard.sticky;

import java.util.List;

import reactor.core.publisher.Mono;

import org.springframework.cloud.client.ServiceInstance;

import dev.switchboard.InstanceKey;
import dev.switchboard.balancer.Affinity;
import dev.switchboard.balancer.InstanceChooser;

/**
 * One request's sticky session on a sticky route, and how it chooses its instance, at
 * most one Redis round trip:
 *
 * <ul>
 * <li>a new session (no key presented): fewest open tunnels ({@link Decision#NEW});</li>
 * <li>a key whose recorded instance is usable: that instance ({@link Decision#HIT});</li>
 * <li>recorded instance down, draining or gone from discovery: rendezvous hashing over
 * the usable instances ({@link Decision#REASSIGNED}), so concurrent reassignments on
 * every replica agree;</li>
 * <li>a key with no record (expired, or made while Redis was away): rendezvous, which is
 * where the session was while Redis was away ({@link Decision#NEW});</li>
 * <li>Redis unavailable: rendezvous, nothing recorded ({@link Decision#FALLBACK}).</li>
 * </ul>
 * New instances joining move no session: recorded sessions stay where they are.
 */
final class StickySession implements Affinity {

	final String routeId;

	final StickySettings settings;

	/**
	 * The session id: the verified one the client presented, or a new one; null when a
	 * learned key stands in.
	 */
	final String sessionId;

	/**
	 * Whether {@link #sessionId} was minted for this request (the response sets the
	 * cookie).
	 */
	final boolean minted;

	/** The learned key the client presented (cookie or query parameter), or null. */
	final String learnedKey;

	/** The Redis key looked up, or null for a brand-new session. */
	final String lookupKey;

	private final SessionStore store;

	Decision decision;

	StickySession(String routeId, StickySettings settings, String sessionId, boolean minted, String learnedKey,
			String lookupKey, SessionStore store) {
		this.routeId = routeId;
		this.settings = settings;
		this.sessionId = sessionId;
		this.minted = minted;
		this.learnedKey = learnedKey;
		this.lookupKey = lookupKey;
		this.store = store;
	}

	/** The key rendezvous hashing uses: the session id, else the learned key. */
	String hashKey() {
		return (this.sessionId != null) ? this.sessionId : this.learnedKey;
	}

	@Override
	public Mono<ServiceInstance> choose(List<ServiceInstance> usable, InstanceChooser chooser) {
		if (this.lookupKey == null) {
			return Mono
				.just(this.store.degraded() ? chose(InstanceChooser.rendezvous(hashKey(), usable), Decision.FALLBACK)
						: chose(chooser.leastTunnels(usable), Decision.NEW));
		}
		return this.store.find(this.lookupKey, this.settings.ttl()).map((lookup) -> switch (lookup.status()) {
			case FOUND -> {
				ServiceInstance pinned = find(usable, lookup.instance());
				yield (pinned != null) ? chose(pinned, Decision.HIT)
						: chose(InstanceChooser.rendezvous(hashKey(), usable), Decision.REASSIGNED);
			}
			case ABSENT -> chose(InstanceChooser.rendezvous(hashKey(), usable), Decision.NEW);
			case UNAVAILABLE -> chose(InstanceChooser.rendezvous(hashKey(), usable), Decision.FALLBACK);
		});
	}

	@Override
	public ServiceInstance reroute(List<ServiceInstance> rest, InstanceChooser chooser) {
		boolean hashed = this.lookupKey != null || this.decision == Decision.FALLBACK;
		if (this.decision == Decision.HIT) {
			this.decision = Decision.REASSIGNED;
		}
		return hashed ? InstanceChooser.rendezvous(hashKey(), rest) : chooser.leastTunnels(rest);
	}

	private ServiceInstance chose(ServiceInstance instance, Decision decision) {
		this.decision = decision;
		return instance;
	}

	private static ServiceInstance find(List<ServiceInstance> instances, String key) {
		for (ServiceInstance instance : instances) {
			if (InstanceKey.of(instance).equals(key)) {
				return instance;
			}
		}
		return null;
	}

}
