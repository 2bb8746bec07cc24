package dev.switchboard.balancer;

import java.util.List;

import reactor.core.publisher.Mono;

import org.springframework.cloud.client.ServiceInstance;

/**
 * What keeps a request on "its" instance across requests (a sticky session), when a route
 * has it. The balancer owns the instance list, passive health and draining; an affinity
 * only chooses among the instances the balancer hands it.
 */
public interface Affinity {

	/**
	 * Chooses the instance for this request.
	 * @param usable the instances that may take it, never empty
	 * @return the instance, one of {@code usable}
	 */
	Mono<ServiceInstance> choose(List<ServiceInstance> usable, InstanceChooser chooser);

	/**
	 * Chooses again after the chosen instance could not be reached (before anything was
	 * sent).
	 * @param rest the instances not yet tried, never empty
	 */
	ServiceInstance reroute(List<ServiceInstance> rest, InstanceChooser chooser);

}
