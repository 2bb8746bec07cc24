package dev.switchboard.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.cloud.gateway.route.Route;

/**
 * Resolves a route's {@link TunnelSettings}: the route's {@code metadata.switchboard.*} bound over the
 * global defaults with Spring Boot's own binder, so per-route values take the same formats as
 * {@code application.yml} ({@code 2s}, {@code 1MB}) and a misspelt key fails instead of being ignored.
 * Results are cached per route definition: the hot path pays one map lookup.
 */
public class RouteSettingsResolver {

	static final String PREFIX = "switchboard";

	private final TunnelSettings defaults;

	private final Duration edgeIdleTimeout;

	private final MapConfigurationPropertySource defaultsSource;

	private final PerRouteCache<TunnelSettings> cache = new PerRouteCache<>(this::resolve);

	public RouteSettingsResolver(TunnelSettings defaults) {
		this(defaults, null);
	}

	/**
	 * @param edgeIdleTimeout the idle timeout of the hop in front of the gateway, or null when unknown;
	 * every route's heartbeat interval must stay comfortably below it
	 */
	public RouteSettingsResolver(TunnelSettings defaults, Duration edgeIdleTimeout) {
		this.edgeIdleTimeout = edgeIdleTimeout;
		check(defaults, "switchboard.", (problem) -> new IllegalStateException(
				problem + ". Fix it in application.yml or the environment (see README, Configuration reference)."));
		this.defaults = defaults;
		Map<String, Object> flat = new LinkedHashMap<>();
		flat.put(PREFIX + ".connect-timeout", defaults.connectTimeout());
		flat.put(PREFIX + ".handshake-timeout", defaults.handshakeTimeout());
		flat.put(PREFIX + ".max-message-size", defaults.maxMessageSize());
		flat.put(PREFIX + ".upgrade-header-value", defaults.upgradeHeaderValue());
		flat.put(PREFIX + ".connection-header-value", defaults.connectionHeaderValue());
		flat.put(PREFIX + ".close-timeout", defaults.closeTimeout());
		flat.put(PREFIX + ".heartbeat-interval", defaults.heartbeatInterval());
		flat.put(PREFIX + ".heartbeat-timeout", defaults.heartbeatTimeout());
		flat.put(PREFIX + ".idle-timeout", defaults.idleTimeout());
		flat.put(PREFIX + ".max-lifetime", defaults.maxLifetime());
		flat.put(PREFIX + ".answer-pings", defaults.answerPings());
		this.defaultsSource = new MapConfigurationPropertySource(flat);
	}

	public TunnelSettings defaults() {
		return this.defaults;
	}

	/** The settings for a route, bound once per route (again after routes are refreshed). */
	public TunnelSettings forRoute(Route route) {
		if (route == null) {
			return this.defaults;
		}
		return this.cache.get(route);
	}

	/**
	 * Binds one route's metadata.
	 * @throws InvalidRouteSettingsException naming the route and the property when a value is unusable
	 */
	public TunnelSettings resolve(String routeId, Map<String, Object> metadata) {
		Map<String, Object> overrides = RouteMetadata.flatten(metadata);
		// switchboard.sticky.* belongs to sticky routing, which binds and checks it itself.
		overrides.keySet().removeIf((key) -> !key.startsWith(PREFIX + ".") || key.startsWith(PREFIX + ".sticky."));
		if (overrides.isEmpty()) {
			return this.defaults;
		}
		MapConfigurationPropertySource routeSource = new MapConfigurationPropertySource(overrides);
		List<ConfigurationPropertySource> sources = List.of(routeSource, this.defaultsSource);
		try {
			TunnelSettings settings = new Binder(sources)
				.bind(PREFIX, Bindable.of(TunnelSettings.class), new NoUnboundElementsBindHandler(BindHandler.DEFAULT))
				.orElse(this.defaults);
			check(routeId, settings);
			return settings;
		}
		catch (BindException ex) {
			throw new InvalidRouteSettingsException(routeId, describe(ex), ex);
		}
	}

	private void check(String routeId, TunnelSettings settings) {
		check(settings, "metadata.switchboard.", (problem) -> new InvalidRouteSettingsException(routeId, problem, null));
	}

	private void check(TunnelSettings settings, String prefix,
			java.util.function.Function<String, RuntimeException> failure) {
		positive(prefix + "connect-timeout", settings.connectTimeout().toMillis(), failure);
		positive(prefix + "handshake-timeout", settings.handshakeTimeout().toMillis(), failure);
		positive(prefix + "max-message-size", settings.maxMessageSize().toBytes(), failure);
		positive(prefix + "close-timeout", settings.closeTimeout().toMillis(), failure);
		if (settings.upgradeHeaderValue().isBlank() || settings.connectionHeaderValue().isBlank()) {
			throw failure.apply(prefix + "upgrade-header-value and " + prefix + "connection-header-value must not be blank");
		}
		notNegative(prefix + "heartbeat-interval", settings.heartbeatInterval(), failure);
		notNegative(prefix + "idle-timeout", settings.idleTimeout(), failure);
		notNegative(prefix + "max-lifetime", settings.maxLifetime(), failure);
		IdlePolicyCheck.check(settings, prefix, this.edgeIdleTimeout, failure);
	}

	private static void notNegative(String property, Duration value, java.util.function.Function<String, RuntimeException> failure) {
		if (value.isNegative()) {
			throw failure.apply(property + " must not be negative (was " + value + "); use 0 to disable it");
		}
	}

	private static void positive(String property, long value, java.util.function.Function<String, RuntimeException> failure) {
		if (value <= 0) {
			throw failure.apply(property + " must be greater than zero (was " + value + ")");
		}
	}

	private static String describe(BindException ex) {
		Throwable cause = ex.getCause();
		String property = ex.getName() != null ? "metadata." + ex.getName() : "metadata.switchboard";
		return property + ": " + (cause != null ? cause.getMessage() : ex.getMessage());
	}

}
