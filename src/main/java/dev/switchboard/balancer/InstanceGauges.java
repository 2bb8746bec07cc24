package dev.switchboard.balancer;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.cloud.client.ServiceInstance;

import dev.switchboard.InstanceKey;
import dev.switchboard.metrics.SwitchboardMeters;

/**
 * {@code switchboard.backend.instances}: per load-balanced service, how many of the
 * instances discovery last listed are healthy, ejected (refused connections recently) or
 * draining. Evaluated at scrape time from the last list the balancer saw, so the hot path
 * only stores a reference.
 */
final class InstanceGauges {

	private final MeterRegistry registry;

	private final BackendInstances instances;

	private final Map<String, List<String>> lastListed = new ConcurrentHashMap<>();

	InstanceGauges(MeterRegistry registry, BackendInstances instances) {
		this.registry = registry;
		this.instances = instances;
	}

	void observe(String serviceId, List<ServiceInstance> listed) {
		List<String> keys = listed.stream().map(InstanceKey::of).toList();
		if (this.lastListed.put(serviceId, keys) == null) {
			register(serviceId, "healthy", (key) -> this.instances.isUsable(key));
			register(serviceId, "ejected", (key) -> this.instances.isEjected(key));
			register(serviceId, "draining", (key) -> this.instances.isDraining(key));
		}
	}

	private void register(String serviceId, String state, Predicate<String> inState) {
		Gauge
			.builder(SwitchboardMeters.BACKEND_INSTANCES,
					() -> this.lastListed.getOrDefault(serviceId, List.of()).stream().filter(inState).count())
			.description("Instances of a load-balanced service by state, as this gateway sees them")
			.tags(SwitchboardMeters.SERVICE, serviceId, SwitchboardMeters.STATE, state)
			.register(this.registry);
	}

}
