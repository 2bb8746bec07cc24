package dev.switchboard.balancer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;

import dev.switchboard.InstanceKey;

/**
 * {@code /actuator/backends}: the instances of every {@code lb://} route with this
 * gateway's open tunnels to each (and, on sticky routes, the sessions recorded for each);
 * {@code POST} marks an instance draining: new sessions avoid it at once, and its open
 * tunnels are closed with 1001 after the grace period so their clients reconnect
 * elsewhere. Every replica follows a drain through Redis ({@link Draining}). Served on
 * the management port only.
 */
@Endpoint(id = "backends")
class BackendsEndpoint {

	private final RouteLocator routes;

	private final LoadBalancerClientFactory balancers;

	private final BackendInstances instances;

	private final Draining draining;

	private final Duration defaultGrace;

	private final AffinityReport affinity;

	BackendsEndpoint(RouteLocator routes, LoadBalancerClientFactory balancers, BackendInstances instances,
			Draining draining, Duration defaultGrace, @Nullable AffinityReport affinity) {
		this.routes = routes;
		this.balancers = balancers;
		this.instances = instances;
		this.draining = draining;
		this.defaultGrace = defaultGrace;
		this.affinity = affinity;
	}

	@ReadOperation
	Mono<Map<String, Object>> routes() {
		return this.routes.getRoutes()
			.filter((route) -> "lb".equalsIgnoreCase(route.getUri().getScheme()))
			.concatMap(this::describe)
			.collectList()
			.map((list) -> {
				Map<String, Object> body = new LinkedHashMap<>();
				if (this.affinity != null) {
					body.put("redis", this.affinity.storeState());
				}
				body.put("routes", list);
				return body;
			});
	}

	/**
	 * Marks an instance ({@code host:port}) draining, or not, on every replica.
	 * @param instance the instance, as listed by the read operation
	 * @param draining false to stop draining (default true)
	 * @param graceSeconds how long its open tunnels stay open (default
	 * {@code switchboard.balancer.drain-grace-period})
	 */
	@WriteOperation
	Mono<Map<String, Object>> drain(String instance, @Nullable Boolean draining, @Nullable Long graceSeconds) {
		boolean drain = (draining == null) || draining;
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("instance", instance);
		body.put("draining", drain);
		body.put("openTunnels", this.instances.openTunnels(instance));
		if (!drain) {
			return this.draining.undrain(instance).thenReturn(body);
		}
		Duration grace = (graceSeconds != null) ? Duration.ofSeconds(graceSeconds) : this.defaultGrace;
		return this.draining.drain(instance, grace).map((closeAt) -> {
			body.put("tunnelsCloseAt", Instant.ofEpochMilli(closeAt).toString());
			return body;
		});
	}

	private Mono<Map<String, Object>> describe(Route route) {
		String serviceId = route.getUri().getHost();
		String affinityKey = (this.affinity != null) ? this.affinity.describeKey(route) : null;
		Mono<List<ServiceInstance>> members = Mono.defer(() -> {
			ServiceInstanceListSupplier supplier = this.balancers.getInstance(serviceId,
					ServiceInstanceListSupplier.class);
			return (supplier != null) ? supplier.get().next() : Mono.<List<ServiceInstance>>empty();
		}).defaultIfEmpty(List.of());
		Mono<Optional<Map<String, Long>>> sessions = (affinityKey != null)
				? this.affinity.sessionsByInstance(route).map(Optional::of).defaultIfEmpty(Optional.empty())
				: Mono.just(Optional.empty());
		return Mono.zip(members, sessions).map((both) -> {
			List<Map<String, Object>> list = new ArrayList<>();
			for (ServiceInstance member : both.getT1()) {
				String key = InstanceKey.of(member);
				Map<String, Object> entry = new LinkedHashMap<>();
				entry.put("instance", key);
				entry.put("openTunnels", this.instances.openTunnels(key));
				entry.put("sessions", both.getT2().map((counts) -> counts.getOrDefault(key, 0L)).orElse(null));
				entry.put("draining", this.instances.isDraining(key));
				entry.put("ejected", this.instances.isEjected(key));
				list.add(entry);
			}
			Map<String, Object> body = new LinkedHashMap<>();
			body.put("route", route.getId());
			body.put("serviceId", serviceId);
			body.put("sticky", affinityKey != null);
			if (affinityKey != null) {
				body.put("affinityKey", affinityKey);
			}
			body.put("instances", list);
			return body;
		});
	}

}
