package dev.switchboard.balancer;

import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultResponse;
import org.springframework.cloud.client.loadbalancer.EmptyResponse;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.loadbalancer.core.NoopServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;

import dev.switchboard.ExchangeAttributes;

/**
 * Spring Cloud LoadBalancer's balancer for every backend group: instances come from the
 * group's {@link ServiceInstanceListSupplier} (discovery), the choice from
 * {@link InstanceRouter}. Spring Cloud Gateway hands it the exchange's attributes, where
 * {@link BalancerFilter} left the request's {@link BalancedRequest}.
 */
class GroupLoadBalancer implements ReactorServiceInstanceLoadBalancer {

	private final String serviceId;

	private final ObjectProvider<ServiceInstanceListSupplier> suppliers;

	private final InstanceRouter router;

	private final InstanceGauges gauges;

	GroupLoadBalancer(String serviceId, ObjectProvider<ServiceInstanceListSupplier> suppliers, InstanceRouter router,
			InstanceGauges gauges) {
		this.serviceId = serviceId;
		this.suppliers = suppliers;
		this.router = router;
		this.gauges = gauges;
	}

	@Override
	@SuppressWarnings("rawtypes")
	public Mono<Response<ServiceInstance>> choose(Request request) {
		ServiceInstanceListSupplier supplier = this.suppliers
			.getIfAvailable(() -> new NoopServiceInstanceListSupplier());
		BalancedRequest balanced = balanced(request);
		return supplier.get(request)
			.next()
			.doOnNext((instances) -> this.gauges.observe(this.serviceId, instances))
			.flatMap((instances) -> this.router.choose(balanced, instances))
			.<Response<ServiceInstance>>map(DefaultResponse::new)
			.defaultIfEmpty(new EmptyResponse());
	}

	@SuppressWarnings("rawtypes")
	private static BalancedRequest balanced(Request request) {
		if (request.getContext() instanceof RequestDataContext context && context.getClientRequest() != null) {
			Map<String, Object> attributes = context.getClientRequest().getAttributes();
			if (attributes != null
					&& attributes.get(ExchangeAttributes.BALANCED_REQUEST) instanceof BalancedRequest balanced) {
				return balanced;
			}
		}
		return null;
	}

	@Override
	public String toString() {
		return "GroupLoadBalancer[" + this.serviceId + "]";
	}

}
