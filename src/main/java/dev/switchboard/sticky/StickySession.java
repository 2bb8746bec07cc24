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
 * <li>no record (Redis restarted empty, or the record expired) or Redis unavailable, and
 * the cookie names a usable instance: that instance ({@link Decision#COOKIE}), recorded
 * again when Redis answers;</li>
 * <li>no record and no usable cookie instance: rendezvous ({@link Decision#NEW}); Redis
 * unavailable: rendezvous, nothing recorded ({@link Decision#FALLBACK}).</li>
 * </ul>
 * New instances joining move no session: recorded sessions stay where they are.
 */
final class StickySession implements Affinity {

	final String routeId;

	final StickySettings settings;

	/**
	 * The session id: the one the client's cookie holds, or a new one; null when a
	 * learned key stands in.
	 */
	final String sessionId;

	/**
	 * Whether {@link #sessionId} was minted for this request (the response sets the
	 * cookie).
	 */
	final boolean minted;

	/** The instance the client's cookie names, or null (new session, learned key). */
	final String cookieInstance;

	/**
	 * The cookie was sealed with a previous secret: it is resealed with the current one.
	 */
	final boolean resealCookie;

	/** The learned key the client presented (cookie or query parameter), or null. */
	final String learnedKey;

	/** The Redis key looked up, or null for a brand-new session. */
	final String lookupKey;

	private final SessionStore store;

	Decision decision;

	private StickySession(String routeId, StickySettings settings, String sessionId, boolean minted,
			String cookieInstance, boolean resealCookie, String learnedKey, String lookupKey, SessionStore store) {
		this.routeId = routeId;
		this.settings = settings;
		this.sessionId = sessionId;
		this.minted = minted;
		this.cookieInstance = cookieInstance;
		this.resealCookie = resealCookie;
		this.learnedKey = learnedKey;
		this.lookupKey = lookupKey;
		this.store = store;
	}

	/** A session the client's cookie names. */
	static StickySession fromCookie(String routeId, StickySettings settings, SessionCookies.Opened cookie,
			String lookupKey, SessionStore store) {
		return new StickySession(routeId, settings, cookie.sessionId(), false, cookie.instance(), cookie.previousKey(),
				null, lookupKey, store);
	}

	/** A session the backend's own key names (learned cookie or query parameter). */
	static StickySession fromLearnedKey(String routeId, StickySettings settings, String learnedKey, String lookupKey,
			SessionStore store) {
		return new StickySession(routeId, settings, null, false, null, false, learnedKey, lookupKey, store);
	}

	/** A session that starts now. */
	static StickySession started(String routeId, StickySettings settings, String sessionId, SessionStore store) {
		return new StickySession(routeId, settings, sessionId, true, null, false, null, null, store);
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
			case ABSENT -> fromCookieOr(usable, Decision.NEW);
			case UNAVAILABLE -> fromCookieOr(usable, Decision.FALLBACK);
		});
	}

	/**
	 * The cookie's instance when it is usable, else rendezvous hashing with
	 * {@code otherwise}.
	 */
	private ServiceInstance fromCookieOr(List<ServiceInstance> usable, Decision otherwise) {
		ServiceInstance named = (this.cookieInstance != null) ? find(usable, this.cookieInstance) : null;
		return (named != null) ? chose(named, Decision.COOKIE)
				: chose(InstanceChooser.rendezvous(hashKey(), usable), otherwise);
	}

	@Override
	public ServiceInstance reroute(List<ServiceInstance> rest, InstanceChooser chooser) {
		boolean hashed = this.lookupKey != null || this.decision == Decision.FALLBACK;
		if (this.decision == Decision.HIT || this.decision == Decision.COOKIE) {
			this.decision = Decision.REASSIGNED;
		}
		return hashed ? InstanceChooser.rendezvous(hashKey(), rest) : chooser.leastTunnels(rest);
	}

	/**
	 * Whether the response must set the cookie: a new session, a moved one, or one sealed
	 * with an old key.
	 */
	boolean cookieOutdated(ServiceInstance chosen) {
		return this.sessionId != null
				&& (this.minted || this.resealCookie || !InstanceKey.of(chosen).equals(this.cookieInstance));
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
