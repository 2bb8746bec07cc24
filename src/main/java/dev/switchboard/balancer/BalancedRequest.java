package dev.switchboard.balancer;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.springframework.cloud.client.ServiceInstance;

import dev.switchboard.InstanceKey;

/**
 * One request on an {@code lb://} route as the balancer sees it, through the load
 * balancer, the retries and the response: the instances it may use, those that could not
 * be reached, and the one chosen. Kept in the exchange attribute
 * {@code ExchangeAttributes.BALANCED_REQUEST}, which Spring Cloud Gateway also hands to
 * the load balancer.
 */
public final class BalancedRequest {

	final String routeId;

	private final Affinity affinity;

	/** Instances ({@code host:port}) that could not be reached during this request. */
	final Set<String> tried = new HashSet<>();

	List<ServiceInstance> candidates = List.of();

	ServiceInstance chosen;

	/**
	 * Starts the balancer's record of one request.
	 * @param affinity the route's affinity for this request, or null when the route is
	 * not sticky
	 */
	public BalancedRequest(String routeId, Affinity affinity) {
		this.routeId = routeId;
		this.affinity = affinity;
	}

	/** The instance chosen, or null before the balancer ran. */
	public ServiceInstance chosen() {
		return this.chosen;
	}

	/** The chosen instance could not be reached either: every candidate failed. */
	public boolean chosenFailed() {
		return this.chosen != null && this.tried.contains(InstanceKey.of(this.chosen));
	}

	Affinity affinity() {
		return this.affinity;
	}

}
