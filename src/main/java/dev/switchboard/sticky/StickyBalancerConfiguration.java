package dev.switchboard.sticky;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.ReactorLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The balancer of every load-balancer client (one child context per backend group), registered through
 * {@code @LoadBalancerClients(defaultConfiguration = ...)}. Deliberately not a {@code @Configuration}:
 * it belongs in the child contexts, not in the application's own.
 */
class StickyBalancerConfiguration {

	@Bean
	ReactorLoadBalancer<ServiceInstance> switchboardStickyLoadBalancer(Environment environment,
			LoadBalancerClientFactory factory, StickyRouter router) {
		String serviceId = environment.getProperty(LoadBalancerClientFactory.PROPERTY_NAME);
		return new StickyLoadBalancer(serviceId, factory.getLazyProvider(serviceId, ServiceInstanceListSupplier.class),
				router);
	}

}
