package dev.switchboard.sticky;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.cloud.gateway.route.Route;

import dev.switchboard.config.InvalidRouteSettingsException;
import dev.switchboard.config.PerRouteCache;
import dev.switchboard.config.RouteMetadata;

/**
 * Resolves a route's {@link StickySettings}: its {@code metadata.switchboard.sticky.*} bound over the
 * global {@code switchboard.sticky.*} defaults with Spring Boot's binder, so values take the formats of
 * {@code application.yml} and a misspelt key stops startup. Cached per route definition.
 */
class StickySettingsResolver {

	static final String PREFIX = "switchboard.sticky";

	private final StickySettings defaults;

	private final MapConfigurationPropertySource defaultsSource;

	private final PerRouteCache<StickySettings> cache = new PerRouteCache<>(this::resolve);

	StickySettingsResolver(StickySettings defaults) {
		this.defaults = defaults;
		Map<String, Object> flat = new LinkedHashMap<>();
		flat.put(PREFIX + ".enabled", defaults.enabled());
		flat.put(PREFIX + ".cookie-name", defaults.cookieName());
		flat.put(PREFIX + ".cookie-path", defaults.cookiePath());
		flat.put(PREFIX + ".cookie-max-age", defaults.cookieMaxAge());
		flat.put(PREFIX + ".same-site", defaults.sameSite());
		flat.put(PREFIX + ".ttl", defaults.ttl());
		flat.put(PREFIX + ".learn-cookie", defaults.learnCookie());
		flat.put(PREFIX + ".learn-header", defaults.learnHeader());
		flat.put(PREFIX + ".learn-query-param", defaults.learnQueryParam());
		flat.values().removeIf(java.util.Objects::isNull);
		this.defaultsSource = new MapConfigurationPropertySource(flat);
	}

	/** The route's settings, or null when the route is not sticky. */
	StickySettings forRoute(Route route) {
		if (route == null) {
			return null;
		}
		StickySettings settings = this.cache.get(route);
		return settings.enabled() ? settings : null;
	}

	/**
	 * Binds one route's metadata.
	 * @throws InvalidRouteSettingsException naming the route and the key when a value is unusable
	 */
	StickySettings resolve(String routeId, Map<String, Object> metadata) {
		Map<String, Object> overrides = RouteMetadata.flatten(metadata);
		overrides.keySet().removeIf((key) -> !key.startsWith(PREFIX + "."));
		StickySettings settings = this.defaults;
		if (!overrides.isEmpty()) {
			List<ConfigurationPropertySource> sources = List.of(new MapConfigurationPropertySource(overrides),
					this.defaultsSource);
			try {
				settings = new Binder(sources)
					.bind(PREFIX, Bindable.of(StickySettings.class), new NoUnboundElementsBindHandler(BindHandler.DEFAULT))
					.orElse(this.defaults);
			}
			catch (BindException ex) {
				String property = (ex.getName() != null) ? "metadata." + ex.getName() : "metadata." + PREFIX;
				Throwable cause = (ex.getCause() != null) ? ex.getCause() : ex;
				throw new InvalidRouteSettingsException(routeId, property + ": " + cause.getMessage(), ex);
			}
		}
		check(routeId, settings);
		return settings;
	}

	private static void check(String routeId, StickySettings settings) {
		if (settings.ttl().isNegative() || settings.ttl().isZero()) {
			throw new InvalidRouteSettingsException(routeId,
					"metadata." + PREFIX + ".ttl must be greater than zero (was " + settings.ttl() + ")", null);
		}
		if (settings.cookieName().isBlank() || !settings.cookieName().matches("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+")) {
			throw new InvalidRouteSettingsException(routeId,
					"metadata." + PREFIX + ".cookie-name is not a valid cookie name: '" + settings.cookieName() + "'", null);
		}
		if (settings.sameSite() == StickyProperties.SameSite.NONE) {
			// Browsers drop SameSite=None cookies without Secure: say so rather than lose every session.
			org.apache.commons.logging.LogFactory.getLog(StickySettingsResolver.class)
				.info("Route '" + routeId + "': SameSite=None cookies are only kept by browsers over TLS (Secure)");
		}
	}

}
