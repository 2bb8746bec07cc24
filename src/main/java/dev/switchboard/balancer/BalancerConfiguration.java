package dev.switchboard.balancer;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClients;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import dev.switchboard.redis.SwitchboardRedisProperties;
import dev.switchboard.tunnel.TunnelRegistry;

/**
 * Routes to backend groups ({@code lb://name}): Spring Cloud LoadBalancer supplies the
 * instances (discovery, or DNS for a headless Service) and calls Switchboard's balancer
 * for each choice: fewest open tunnels, passive health, draining shared through Redis,
 * and a retry on another instance when one refuses a connection. Sticky sessions plug in
 * through {@link Affinity}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({ BalancerProperties.class, DnsDiscoveryProperties.class })
@LoadBalancerClients(defaultConfiguration = GroupBalancerConfiguration.class)
class BalancerConfiguration {

	@Bean
	BackendInstances switchboardBackendInstances(BalancerProperties properties, TunnelRegistry tunnels) {
		BackendInstances instances = new BackendInstances(properties.getEjectionPeriod());
		tunnels.addListener(instances);
		return instances;
	}

	@Bean
	InstanceRouter switchboardInstanceRouter(BackendInstances instances) {
		return new InstanceRouter(instances);
	}

	@Bean
	InstanceGauges switchboardInstanceGauges(MeterRegistry registry, BackendInstances instances) {
		return new InstanceGauges(registry, instances);
	}

	@Bean
	BalancerFilter switchboardBalancerFilter(InstanceRouter router) {
		return new BalancerFilter(router);
	}

	@Bean
	BalancerRetry switchboardBalancerRetry(InstanceRouter router) {
		return new BalancerRetry(router);
	}

	@Bean
	Draining switchboardDraining(BackendInstances instances, ReactiveStringRedisTemplate redis,
			SwitchboardRedisProperties redisProperties, BalancerProperties properties, MeterRegistry registry) {
		return new Draining(instances, redis, redisProperties.key("draining"), redisProperties.getTimeout(),
				properties.getDrainSyncInterval(), registry);
	}

	/**
	 * With {@code lb://} routes, follows drains started on other replicas; gateways
	 * without them never poll Redis.
	 */
	@Bean
	SmartInitializingSingleton switchboardDrainingStart(GatewayProperties gateway, Draining draining) {
		return () -> {
			if (gateway.getRoutes()
				.stream()
				.anyMatch((route) -> route.getUri() != null && "lb".equalsIgnoreCase(route.getUri().getScheme()))) {
				draining.start();
			}
		};
	}

	@Bean
	BackendsEndpoint switchboardBackendsEndpoint(RouteLocator routes, LoadBalancerClientFactory balancers,
			BackendInstances instances, Draining draining, BalancerProperties properties,
			ObjectProvider<AffinityReport> affinity) {
		return new BackendsEndpoint(routes, balancers, instances, draining, properties.getDrainGracePeriod(),
				affinity.getIfAvailable());
	}

}
