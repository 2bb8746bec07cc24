package dev.switchboard.limits;

import java.util.List;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.filter.FilterDefinition;
import org.springframework.cloud.gateway.filter.ratelimit.RedisRateLimiter;
import org.springframework.cloud.gateway.support.ConfigurationService;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

import dev.switchboard.config.RouteSettings;
import dev.switchboard.forwarded.ClientOrigin;
import dev.switchboard.metrics.SwitchboardMeters;
import dev.switchboard.redis.RedisCommands;
import dev.switchboard.redis.SwitchboardRedisProperties;
import dev.switchboard.upgrade.HandshakeRecorder;

/**
 * Tunnel limits per route, client address and subject, shared through Redis; and the
 * answers of Spring Cloud Gateway's rate limiter, keyed by client address.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({ LimitSettings.class, LimitsProperties.class, AdmissionSettings.class })
class LimitsConfiguration {

	@Bean
	RouteSettings<LimitSettings> switchboardLimitSettings(LimitSettings defaults, ConfigurableEnvironment environment) {
		return new RouteSettings<>("switchboard", LimitSettings.class, defaults, environment,
				(settings, prefix) -> settings.check(prefix));
	}

	@Bean(destroyMethod = "dispose")
	SharedTunnelCounts switchboardSharedTunnelCounts(RedisCommands redis, LimitsProperties properties,
			MeterRegistry registry) {
		properties.check();
		SharedTunnelCounts counts = new SharedTunnelCounts(redis, properties, registry);
		Gauge.builder(SwitchboardMeters.LIMITS_SHARED, counts, (c) -> c.shared() ? 1 : 0)
			.description("1 while tunnel limits are counted over every replica through Redis, 0 while per replica")
			.register(registry);
		return counts;
	}

	/**
	 * With a limited or rate-limited route, the Redis connection is open and warm before
	 * the gateway reports ready (else the first handshakes would find it closed: counted
	 * alone, or let through by the rate limiter).
	 */
	@Bean
	SmartInitializingSingleton switchboardLimitsRedisWarmUp(RouteSettings<LimitSettings> settings,
			GatewayProperties gateway, RedisCommands redis, SwitchboardRedisProperties redisProperties) {
		return () -> {
			boolean limited = settings.defaults().any() || rateLimited(gateway.getDefaultFilters())
					|| gateway.getRoutes()
						.stream()
						.anyMatch((route) -> settings.resolve(route.getId(), route.getMetadata()).any()
								|| rateLimited(route.getFilters()));
			if (limited) {
				redis.openAndWarm(redisProperties.getTimeout().multipliedBy(4));
			}
		};
	}

	private static boolean rateLimited(List<FilterDefinition> filters) {
		return filters.stream().anyMatch((filter) -> "RequestRateLimiter".equals(filter.getName()));
	}

	/**
	 * The default key of {@code RequestRateLimiter}: the client's address (replaces the
	 * gateway's principal-name default).
	 */
	@Bean
	ClientAddressKeyResolver switchboardClientAddress(ClientOrigin clientOrigin) {
		return new ClientAddressKeyResolver(clientOrigin);
	}

	/**
	 * Spring Cloud Gateway's Redis rate limiter with its script run on the gateway's
	 * Lettuce connection (replaces the gateway's own bean of this name and type).
	 */
	@Bean
	RedisRateLimiter redisRateLimiter(ReactiveStringRedisTemplate template,
			@Qualifier(RedisRateLimiter.REDIS_SCRIPT_NAME) RedisScript<List<Long>> script,
			ConfigurationService configurationService, RedisCommands redis) {
		return new LettuceRedisRateLimiter(template, script, configurationService, redis);
	}

	@Bean
	RateLimitAnswers switchboardRateLimitAnswers(ObjectProvider<HandshakeRecorder> recorders) {
		return new RateLimitAnswers(recorders.orderedStream().toList());
	}

	@Bean
	RouteSettings<AdmissionSettings> switchboardAdmissionSettings(AdmissionSettings defaults,
			ConfigurableEnvironment environment) {
		return new RouteSettings<>("switchboard", AdmissionSettings.class, defaults, environment,
				(settings, prefix) -> settings.check(prefix));
	}

	@Bean
	HandshakeAdmission switchboardHandshakeAdmission(RouteSettings<AdmissionSettings> settings,
			ObjectProvider<HandshakeRecorder> recorders, MeterRegistry registry) {
		HandshakeAdmission admission = new HandshakeAdmission(settings, recorders.orderedStream().toList());
		Gauge.builder(SwitchboardMeters.HANDSHAKES_IN_FLIGHT, admission, HandshakeAdmission::inFlight)
			.description("WebSocket handshakes in progress (request to the backend's answer)")
			.register(registry);
		return admission;
	}

	@Bean
	TunnelLimitPolicy switchboardTunnelLimitPolicy(RouteSettings<LimitSettings> settings, SharedTunnelCounts counts,
			ClientOrigin clientOrigin, SwitchboardRedisProperties keys) {
		return new TunnelLimitPolicy(settings, counts, clientOrigin, keys);
	}

}
