package dev.switchboard.sticky;

import java.util.List;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import dev.switchboard.config.RouteSettings;
import dev.switchboard.config.RoutesCheck;
import dev.switchboard.forwarded.ClientOrigin;
import dev.switchboard.redis.RedisCommands;
import dev.switchboard.redis.SwitchboardRedisProperties;

/**
 * Sticky sessions on {@code lb://} routes: a signed cookie or a learned key pins a
 * session to an instance, with the assignment in Redis, shared by every replica. The
 * balancer (package {@code balancer}) asks the request's {@link StickySession} for the
 * choice. See docs/sticky-routing.md.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({ StickyProperties.class, StickySettings.class })
class StickyConfiguration {

	@Bean
	RouteSettings<StickySettings> switchboardStickySettings(StickySettings defaults,
			ConfigurableEnvironment environment) {
		return new RouteSettings<>("switchboard.sticky", StickySettings.class, defaults, environment,
				(settings, prefix) -> {
					settings.check(prefix);
					if (settings.enabled() && settings.sameSite() == StickySettings.SameSite.NONE) {
						// Browsers drop SameSite=None cookies without Secure: say so
						// rather than lose every session.
						LogFactory.getLog(StickySettings.class)
							.info(prefix
									+ "switchboard.sticky.same-site=none: browsers keep such cookies only over TLS (Secure)");
					}
				});
	}

	/**
	 * A sticky route needs the cookie secret: checked at startup and for every new
	 * configuration (a route that becomes sticky in a reload without a secret is refused
	 * with the rest of it).
	 */
	@Bean
	RoutesCheck switchboardStickySecretCheck(RouteSettings<StickySettings> settings, StickyProperties properties) {
		return (routes, lookup) -> {
			for (RouteDefinition route : routes) {
				if (lookup.forRoute(settings, route).enabled()) {
					new SessionCookies(properties.getSecret(), properties.getPreviousSecrets());
					return;
				}
			}
		};
	}

	/**
	 * With a sticky route, the Redis connection is open and warm before the gateway
	 * reports ready.
	 */
	@Bean
	SmartInitializingSingleton switchboardStickyRedisWarmUp(RouteSettings<StickySettings> settings,
			GatewayProperties gateway, RedisCommands redis, SwitchboardRedisProperties redisProperties) {
		return () -> {
			for (RouteDefinition route : gateway.getRoutes()) {
				if (settings.resolve(route.getId(), route.getMetadata()).enabled()) {
					redis.openAndWarm(redisProperties.getTimeout().multipliedBy(4));
					return;
				}
			}
		};
	}

	@Bean
	StickyMetrics switchboardStickyMetrics(MeterRegistry registry) {
		return new StickyMetrics(registry);
	}

	@Bean
	StickyKeys switchboardStickyKeys(SwitchboardRedisProperties redis) {
		return new StickyKeys(redis);
	}

	@Bean
	RedisSessionStore switchboardStickySessionStore(RedisCommands commands, ReactiveStringRedisTemplate redis,
			SwitchboardRedisProperties properties, StickyMetrics metrics, MeterRegistry registry) {
		return new RedisSessionStore(commands, redis, properties, metrics, registry);
	}

	@Bean
	StickyFilter switchboardStickyFilter(RouteSettings<StickySettings> settings, StickyProperties properties,
			SessionStore store, StickyKeys keys, StickyMetrics metrics, ClientOrigin origin) {
		String secret = properties.getSecret();
		// Without sticky routes no cookie is ever signed; a throwaway key keeps the
		// filter uniform.
		SessionCookies cookies = new SessionCookies(
				(secret != null && secret.length() >= 32) ? secret : UUID.randomUUID() + "-" + UUID.randomUUID(),
				(secret != null && secret.length() >= 32) ? properties.getPreviousSecrets() : List.of());
		return new StickyFilter(settings, cookies, store, keys, metrics, origin);
	}

	@Bean
	StickyReport switchboardStickyReport(RouteSettings<StickySettings> settings, SessionStore store, StickyKeys keys) {
		return new StickyReport(settings, store, keys);
	}

}
