package dev.switchboard.config;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.DataObjectPropertyName;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * One feature's per-route settings, declared once as a record: each component is a
 * setting, its {@code @DefaultValue} the default, its javadoc the documentation, and the
 * record's {@code check(prefix)} its validation. The same record is bound globally (as
 * {@code @ConfigurationProperties}) and, for a route, from {@code metadata.<prefix>.*}
 * over the global values with Spring Boot's own binder: per-route values take the formats
 * of {@code application.yml} ({@code 2s}, {@code 1MB}) and a route that sets nothing of
 * the feature shares the global instance. Bound once per route (again after routes are
 * refreshed): the hot path pays one map lookup.
 *
 * @param <T> the settings record
 */
public final class RouteSettings<T> {

	private final String prefix;

	private final Class<T> type;

	/**
	 * The global values and the environment they came from; replaced whole when a new
	 * configuration is adopted.
	 */
	private volatile Source<T> source;

	private final BiConsumer<T, String> check;

	private final Set<String> keys;

	private final Set<String> containers;

	private final PerRouteCache<T> cache = new PerRouteCache<>(this::resolve);

	/**
	 * Declares one feature's per-route settings.
	 * @param prefix where the record is bound, e.g. {@code switchboard} or
	 * {@code switchboard.sticky}
	 * @param type the record
	 * @param defaults the globally bound instance
	 * @param environment the environment the global values come from
	 * @param check validates one instance; {@code (settings, prefix)} with prefix
	 * {@code switchboard.} or {@code metadata.switchboard.}, throwing
	 * {@link IllegalArgumentException} naming the property
	 */
	public RouteSettings(String prefix, Class<T> type, T defaults, ConfigurableEnvironment environment,
			BiConsumer<T, String> check) {
		if (!type.isRecord()) {
			throw new IllegalArgumentException(type + " must be a record");
		}
		this.prefix = prefix;
		this.type = type;
		this.source = new Source<>(defaults, environment);
		this.check = check;
		this.keys = new LinkedHashSet<>();
		this.containers = new LinkedHashSet<>();
		collectKeys(prefix, type);
		try {
			check.accept(defaults, "");
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidSettingsException(
					ex.getMessage()
							+ ". Fix it in application.yml or the environment (see README, Configuration reference)",
					ex);
		}
	}

	public T defaults() {
		return this.source.defaults();
	}

	/**
	 * The same settings over a candidate environment (a configuration not yet in force):
	 * its global values bound and checked, its route overrides bound over them.
	 * @throws InvalidSettingsException when the candidate's global values are unusable
	 */
	public RouteSettings<T> over(ConfigurableEnvironment candidate) {
		T defaults;
		try {
			// The candidate's configuration property sources must be attached
			// (ConfigurationPropertySources.attach).
			defaults = Binder.get(candidate).bindOrCreate(this.prefix, Bindable.of(this.type));
		}
		catch (BindException ex) {
			throw new InvalidSettingsException(ex.getName() + ": " + rootMessage(ex), ex);
		}
		return new RouteSettings<>(this.prefix, this.type, defaults, candidate, this.check);
	}

	/**
	 * Adopts the global values of a checked candidate (see {@link #over}); routes are
	 * bound again. Tunnels already open keep the settings they started with.
	 */
	public void adopt(RouteSettings<T> candidate) {
		this.source = candidate.source;
		this.cache.clear();
	}

	/**
	 * The settings for a route (the defaults for none), bound once per route instance.
	 */
	public T forRoute(Route route) {
		return (route != null) ? this.cache.get(route) : this.source.defaults();
	}

	/**
	 * Whether a flattened metadata key ({@code switchboard.idle-timeout}) is one of these
	 * settings.
	 */
	public boolean owns(String key) {
		if (this.keys.contains(key)) {
			return true;
		}
		for (String container : this.containers) {
			if (key.startsWith(container + ".") || key.startsWith(container + "[")) {
				return true;
			}
		}
		return false;
	}

	/** Every key these settings take, for suggestions. */
	public Collection<String> keys() {
		return this.keys;
	}

	/**
	 * Binds one route's metadata over the global values.
	 * @throws InvalidRouteSettingsException naming the route and the property when a
	 * value is unusable
	 */
	public T resolve(String routeId, Map<String, Object> metadata) {
		Map<String, Object> overrides = new LinkedHashMap<>();
		RouteMetadata.flatten(metadata).forEach((key, value) -> {
			if (owns(key)) {
				overrides.put(key, value);
			}
		});
		Source<T> current = this.source;
		if (overrides.isEmpty()) {
			return current.defaults();
		}
		List<ConfigurationPropertySource> sources = new ArrayList<>();
		sources.add(new MapConfigurationPropertySource(overrides));
		ConfigurationPropertySources.get(current.environment()).forEach(sources::add);
		T settings;
		try {
			settings = new Binder(sources, new PropertySourcesPlaceholdersResolver(current.environment()))
				.bindOrCreate(this.prefix, Bindable.of(this.type));
		}
		catch (BindException ex) {
			throw new InvalidRouteSettingsException(routeId, "metadata." + ex.getName() + ": " + rootMessage(ex), ex);
		}
		try {
			this.check.accept(settings, "metadata.");
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidRouteSettingsException(routeId, ex.getMessage(), ex);
		}
		return settings;
	}

	private void collectKeys(String name, Class<?> record) {
		for (RecordComponent component : record.getRecordComponents()) {
			String key = name + "." + DataObjectPropertyName.toDashedForm(component.getName());
			Class<?> componentType = component.getType();
			if (componentType.isRecord()) {
				collectKeys(key, componentType);
			}
			else {
				this.keys.add(key);
				if (Map.class.isAssignableFrom(componentType) || Collection.class.isAssignableFrom(componentType)
						|| componentType.isArray() || isGeneric(component.getGenericType())) {
					this.containers.add(key);
				}
			}
		}
	}

	private static boolean isGeneric(Type type) {
		return type instanceof ParameterizedType parameterized && parameterized.getRawType() instanceof Class<?> raw
				&& (Map.class.isAssignableFrom(raw) || Collection.class.isAssignableFrom(raw));
	}

	private static String rootMessage(Throwable ex) {
		Throwable cause = ex;
		while (cause.getCause() != null && cause.getCause() != cause) {
			cause = cause.getCause();
		}
		return cause.getMessage();
	}

	/** Global values and the environment they were bound from. */
	private record Source<T>(T defaults, ConfigurableEnvironment environment) {
	}

}
