package dev.switchboard.balancer;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import reactor.core.publisher.Mono;

import org.springframework.cloud.client.ServiceInstance;

import dev.switchboard.InstanceKey;

/**
 * Chooses the instance for one request of an {@code lb://} route: among the instances
 * discovery lists, those neither draining nor ejected (all of them when every one is
 * ejected: trying beats refusing); the fewest open tunnels, or the request's
 * {@link Affinity} when the route is sticky. After an instance refuses the connection it
 * is ejected and the request moves on to another.
 */
class InstanceRouter {

	private final BackendInstances instances;

	private final InstanceChooser chooser;

	InstanceRouter(BackendInstances instances) {
		this.instances = instances;
		this.chooser = new InstanceChooser(instances);
	}

	/**
	 * The instance for a request; {@code request} is null for requests no gateway filter
	 * saw.
	 */
	Mono<ServiceInstance> choose(BalancedRequest request, List<ServiceInstance> all) {
		if (request == null) {
			List<ServiceInstance> usable = usable(all, List.of());
			return usable.isEmpty() ? Mono.empty() : Mono.just(this.chooser.leastTunnels(usable));
		}
		if (request.chosen != null) {
			// Retried after a refused connection: the choice was already made again
			// (reroute).
			return Mono.just(request.chosen);
		}
		List<ServiceInstance> usable = usable(all, request.tried);
		request.candidates = usable;
		if (usable.isEmpty()) {
			return Mono.empty();
		}
		Affinity affinity = request.affinity();
		if (affinity == null) {
			request.chosen = this.chooser.leastTunnels(usable);
			return Mono.just(request.chosen);
		}
		return affinity.choose(usable, this.chooser).doOnNext((chosen) -> request.chosen = chosen);
	}

	/**
	 * Another instance after {@code failed} could not be reached: it is ejected (passive
	 * health) and the request moves on. Null when none is left.
	 */
	ServiceInstance reroute(BalancedRequest request, String failed, String why) {
		this.instances.eject(failed, why);
		request.tried.add(failed);
		List<ServiceInstance> rest = new ArrayList<>();
		for (ServiceInstance candidate : request.candidates) {
			if (!request.tried.contains(InstanceKey.of(candidate))) {
				rest.add(candidate);
			}
		}
		if (rest.isEmpty()) {
			return null;
		}
		Affinity affinity = request.affinity();
		request.chosen = (affinity != null) ? affinity.reroute(rest, this.chooser) : this.chooser.leastTunnels(rest);
		return request.chosen;
	}

	private List<ServiceInstance> usable(List<ServiceInstance> all, Collection<String> tried) {
		List<ServiceInstance> usable = new ArrayList<>(all.size());
		List<ServiceInstance> notDraining = new ArrayList<>(all.size());
		for (ServiceInstance instance : all) {
			String key = InstanceKey.of(instance);
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

}
