package dev.switchboard.sticky;

import java.util.ArrayList;
import java.util.List;

import reactor.core.publisher.Mono;

import org.springframework.cloud.client.ServiceInstance;

/**
 * Chooses the instance for one request of an {@code lb://} route, at most one Redis round trip:
 *
 * <ul>
 * <li>not sticky, or a new session (no key presented): fewest open tunnels ({@link InstanceChooser});</li>
 * <li>a key whose recorded instance is usable: that instance ({@link Decision#HIT});</li>
 * <li>recorded instance down, draining or gone from discovery: rendezvous hashing over the usable
 * instances ({@link Decision#REASSIGNED}), so concurrent reassignments on every replica agree;</li>
 * <li>a key with no record (expired, or made while Redis was away): rendezvous, which is where the
 * session was while Redis was away ({@link Decision#NEW});</li>
 * <li>Redis unavailable: rendezvous, nothing recorded ({@link Decision#FALLBACK}).</li>
 * </ul>
 * New instances joining move no session: recorded sessions stay where they are.
 */
class StickyRouter {

	private final SessionStore store;

	private final BackendInstances instances;

	private final InstanceChooser chooser;

	private final String keyPrefix;

	StickyRouter(SessionStore store, BackendInstances instances, String keyPrefix) {
		this.store = store;
		this.instances = instances;
		this.chooser = new InstanceChooser(instances);
		this.keyPrefix = keyPrefix;
	}

	SessionStore store() {
		return this.store;
	}

	String sessionKey(String routeId, String sessionId) {
		return this.keyPrefix + ":" + routeId + ":s:" + sessionId;
	}

	String learnedKey(String routeId, String value) {
		return this.keyPrefix + ":" + routeId + ":l:" + value;
	}

	String routePrefix(String routeId) {
		return this.keyPrefix + ":" + routeId + ":";
	}

	/** The instance for a request; {@code exchange} is null for requests that did not pass the sticky filter. */
	Mono<ServiceInstance> choose(StickyExchange exchange, List<ServiceInstance> all) {
		if (exchange == null) {
			List<ServiceInstance> usable = usable(all, List.of());
			return usable.isEmpty() ? Mono.empty() : Mono.just(this.chooser.leastTunnels(usable));
		}
		if (exchange.chosen != null) {
			// Retried after a refused connection: the choice was already made again (reroute).
			return Mono.just(exchange.chosen);
		}
		List<ServiceInstance> usable = usable(all, exchange.tried);
		exchange.candidates = usable;
		if (usable.isEmpty()) {
			return Mono.empty();
		}
		if (!exchange.sticky()) {
			return Mono.just(chose(exchange, this.chooser.leastTunnels(usable), null));
		}
		if (exchange.lookupKey == null) {
			return Mono.just(this.store.degraded()
					? chose(exchange, InstanceChooser.rendezvous(exchange.hashKey(), usable), Decision.FALLBACK)
					: chose(exchange, this.chooser.leastTunnels(usable), Decision.NEW));
		}
		return this.store.find(exchange.lookupKey, exchange.settings.ttl()).map((lookup) -> switch (lookup.status()) {
			case FOUND -> {
				ServiceInstance pinned = find(usable, lookup.instance());
				yield (pinned != null) ? chose(exchange, pinned, Decision.HIT)
						: chose(exchange, InstanceChooser.rendezvous(exchange.hashKey(), usable), Decision.REASSIGNED);
			}
			case ABSENT -> chose(exchange, InstanceChooser.rendezvous(exchange.hashKey(), usable), Decision.NEW);
			case UNAVAILABLE -> chose(exchange, InstanceChooser.rendezvous(exchange.hashKey(), usable), Decision.FALLBACK);
		});
	}

	/**
	 * Another instance after {@code failed} could not be reached: it is ejected (passive health) and the
	 * request moves on, as a reassignment when it had one recorded. Null when none is left.
	 */
	ServiceInstance reroute(StickyExchange exchange, String failed, String why) {
		this.instances.eject(failed, why);
		exchange.tried.add(failed);
		List<ServiceInstance> rest = new ArrayList<>();
		for (ServiceInstance candidate : exchange.candidates) {
			if (!exchange.tried.contains(BackendInstances.key(candidate))) {
				rest.add(candidate);
			}
		}
		if (rest.isEmpty()) {
			return null;
		}
		boolean hashed = exchange.sticky() && (exchange.lookupKey != null || exchange.decision == Decision.FALLBACK);
		ServiceInstance next = hashed ? InstanceChooser.rendezvous(exchange.hashKey(), rest)
				: this.chooser.leastTunnels(rest);
		exchange.chosen = next;
		if (exchange.decision == Decision.HIT) {
			exchange.decision = Decision.REASSIGNED;
		}
		return next;
	}

	private List<ServiceInstance> usable(List<ServiceInstance> all, java.util.Collection<String> tried) {
		List<ServiceInstance> usable = new ArrayList<>(all.size());
		List<ServiceInstance> notDraining = new ArrayList<>(all.size());
		for (ServiceInstance instance : all) {
			String key = BackendInstances.key(instance);
			if (tried.contains(key) || this.instances.isDraining(key)) {
				continue;
			}
			notDraining.add(instance);
			if (!this.instances.isEjected(key)) {
				usable.add(instance);
			}
		}
		// Every instance ejected: trying one beats refusing the request.
		return usable.isEmpty() ? notDraining : usable;
	}

	private static ServiceInstance find(List<ServiceInstance> instances, String key) {
		for (ServiceInstance instance : instances) {
			if (BackendInstances.key(instance).equals(key)) {
				return instance;
			}
		}
		return null;
	}

	private static ServiceInstance chose(StickyExchange exchange, ServiceInstance instance, Decision decision) {
		exchange.chosen = instance;
		exchange.decision = decision;
		return instance;
	}

}
