package dev.switchboard.sticky;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClients;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import dev.switchboard.tunnel.TunnelRegistry;

/**
 * Sticky routing over backend groups ({@code lb://name}): Spring Cloud LoadBalancer supplies the
 * instances (discovery) and calls Switchboard's balancer for the choice; sessions are pinned by a
 * signed cookie or a learned key, with the assignment in Redis. Exists so that the whole capability is
 * wired in one place; see docs/sticky-routing.md.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({ StickyProperties.class, DnsDiscoveryProperties.class })
@LoadBalancerClients(defaultConfiguration = StickyBalancerConfiguration.class)
class StickyConfiguration {

	@Bean
	StickySettingsResolver switchboardStickySettingsResolver(StickyProperties properties) {
		return new StickySettingsResolver(properties.routeDefaults());
	}

	/**
	 * Checks every route's sticky settings, and the signing key when a route is sticky, at startup; with
	 * {@code lb://} routes, starts following drains.
	 */
	@Bean
	SmartInitializingSingleton switchboardStickySettingsCheck(StickySettingsResolver resolver, GatewayProperties gateway,
			StickyProperties properties, Draining draining, StickyRedis redis) {
		return () -> {
			boolean anySticky = false;
			boolean anyBalanced = false;
			for (RouteDefinition route : gateway.getRoutes()) {
				anySticky |= resolver.resolve(route.getId(), route.getMetadata()).enabled();
				anyBalanced |= route.getUri() != null && "lb".equalsIgnoreCase(route.getUri().getScheme());
			}
			if (anySticky) {
				new SessionCookies(properties.getSecret());
				redis.openInBackground();
			}
			if (anyBalanced) {
				draining.start();
			}
		};
	}

	@Bean
	InstanceGauges switchboardInstanceGauges(MeterRegistry registry, BackendInstances instances) {
		return new InstanceGauges(registry, instances);
	}

	@Bean
	StickyMetrics switchboardStickyMetrics(MeterRegistry registry) {
		return new StickyMetrics(registry);
	}

	@Bean
	StickyRedis switchboardStickyRedis(LettuceConnectionFactory redis) {
		return new StickyRedis(redis);
	}

	@Bean
	RedisSessionStore switchboardStickySessionStore(StickyRedis commands, ReactiveStringRedisTemplate redis,
			StickyProperties properties, StickyMetrics metrics) {
		return new RedisSessionStore(commands, redis, properties.getRedis(), metrics);
	}

	@Bean
	BackendInstances switchboardBackendInstances(StickyProperties properties, TunnelRegistry tunnels) {
		BackendInstances instances = new BackendInstances(properties.getEjectionPeriod());
		tunnels.addListener(instances);
		return instances;
	}

	@Bean
	StickyRouter switchboardStickyRouter(SessionStore store, BackendInstances instances, StickyProperties properties) {
		return new StickyRouter(store, instances, properties.getRedis().getKeyPrefix());
	}

	@Bean
	StickyFilter switchboardStickyFilter(StickySettingsResolver resolver, StickyProperties properties,
			StickyRouter router, StickyMetrics metrics) {
		String secret = properties.getSecret();
		// Without sticky routes no cookie is ever signed; a throwaway key keeps the filter uniform.
		SessionCookies cookies = new SessionCookies((secret != null && secret.length() >= 32) ? secret
				: java.util.UUID.randomUUID() + "-" + java.util.UUID.randomUUID());
		return new StickyFilter(resolver, cookies, router, metrics);
	}

	@Bean
	StickyRetry switchboardStickyRetry(StickyRouter router) {
		return new StickyRetry(router);
	}

	@Bean
	Draining switchboardStickyDraining(BackendInstances instances, ReactiveStringRedisTemplate redis,
			StickyProperties properties) {
		return new Draining(instances, redis, properties.getRedis().getKeyPrefix(), properties.getRedis().getTimeout(),
				properties.getDrainSyncInterval());
	}

	@Bean
	StickyEndpoint switchboardStickyEndpoint(RouteLocator routes, LoadBalancerClientFactory balancers,
			BackendInstances instances, StickyRouter router, StickySettingsResolver resolver, Draining draining,
			StickyProperties properties) {
		return new StickyEndpoint(routes, balancers, instances, router, resolver, draining,
				properties.getDrainGracePeriod());
	}

	/**
	 * Lettuce refuses commands at once while disconnected (instead of queueing them until a timeout), so a
	 * Redis outage is noticed by the first command and costs no request a wait; and it expires a command
	 * Redis does not answer after {@code switchboard.sticky.redis.timeout} on its own timer wheel, which
	 * costs a handshake far less than a Reactor {@code timeout()} (a task on a shared scheduler per command).
	 */
	@Bean
	LettuceClientOptionsBuilderCustomizer switchboardStickyLettuceOptions(StickyProperties properties) {
		return (options) -> options.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
			.timeoutOptions(TimeoutOptions.builder().fixedTimeout(properties.getRedis().getTimeout()).build());
	}

	/** Reconnects to a returning Redis within {@code max-reconnect-delay} (Lettuce's default waits up to 30 s). */
	@Bean
	ClientResourcesBuilderCustomizer switchboardStickyReconnectDelay(StickyProperties properties) {
		Duration max = properties.getRedis().getMaxReconnectDelay();
		return (resources) -> resources
			.reconnectDelay(Delay.exponential(Duration.ofMillis(Math.min(100, max.toMillis())), max, 2, TimeUnit.MILLISECONDS));
	}

}
