package dev.switchboard.balancer;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.ReactorLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The balancer of every load-balancer client (one child context per backend group),
 * registered through {@code @LoadBalancerClients(defaultConfiguration = ...)}, and the
 * DNS instance list for groups declared under
 * {@code switchboard.discovery.dns.services.<group>}; other groups keep Spring Cloud's
 * discovery-client list (simple discovery from properties, or any DiscoveryClient on the
 * classpath). Deliberately not a {@code @Configuration}: it belongs in the child
 * contexts, not the application's.
 */
class GroupBalancerConfiguration {

	static final String DNS_SERVICES = "switchboard.discovery.dns.services.";

	@Bean
	ReactorLoadBalancer<ServiceInstance> switchboardGroupLoadBalancer(Environment environment,
			LoadBalancerClientFactory factory, InstanceRouter router, InstanceGauges gauges) {
		String serviceId = environment.getProperty(LoadBalancerClientFactory.PROPERTY_NAME);
		return new GroupLoadBalancer(serviceId, factory.getLazyProvider(serviceId, ServiceInstanceListSupplier.class),
				router, gauges);
	}

	@Bean
	@Conditional(OnDnsService.class)
	ServiceInstanceListSupplier switchboardDnsServiceInstanceListSupplier(Environment environment,
			DnsDiscoveryProperties dns, MeterRegistry registry) {
		String serviceId = environment.getProperty(LoadBalancerClientFactory.PROPERTY_NAME);
		return new DnsServiceInstanceListSupplier(serviceId, dns.getServices().get(serviceId), dns.getRefreshInterval(),
				registry);
	}

	/**
	 * The group being configured is declared under
	 * {@code switchboard.discovery.dns.services}.
	 */
	static class OnDnsService extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			String serviceId = context.getEnvironment().getProperty(LoadBalancerClientFactory.PROPERTY_NAME);
			boolean declared = serviceId != null && context.getEnvironment().containsProperty(DNS_SERVICES + serviceId);
			return declared ? ConditionOutcome.match("DNS discovery for " + serviceId)
					: ConditionOutcome.noMatch("no DNS discovery for " + serviceId);
		}

	}

}
