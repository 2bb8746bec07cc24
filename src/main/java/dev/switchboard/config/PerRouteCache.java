package dev.switchboard.config;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

import org.springframework.cloud.gateway.route.Route;

/**
 * Settings bound once per route, for the hot path: one map lookup per request. Keyed on
 * the {@link Route} instance, which the gateway's route cache hands out unchanged until
 * routes are refreshed; {@code Route.getMetadata()} wraps the map anew on every call, so
 * it cannot be the key.
 */
public final class PerRouteCache<T> {

	private final BiFunction<String, Map<String, Object>, T> resolve;

	private final Map<String, Cached<T>> cache = new ConcurrentHashMap<>();

	/**
	 * Creates a cache that binds each route at most once per route instance.
	 * @param resolve binds a route's id and metadata to its settings
	 */
	public PerRouteCache(BiFunction<String, Map<String, Object>, T> resolve) {
		this.resolve = resolve;
	}

	public T get(Route route) {
		Cached<T> cached = this.cache.get(route.getId());
		if (cached == null || cached.route != route) {
			cached = new Cached<>(route, this.resolve.apply(route.getId(), route.getMetadata()));
			this.cache.put(route.getId(), cached);
		}
		return cached.settings;
	}

	/** Forgets every route's settings: they are bound again on next use. */
	public void clear() {
		this.cache.clear();
	}

	private record Cached<T>(Route route, T settings) {
	}

}
