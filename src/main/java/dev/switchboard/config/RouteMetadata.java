package dev.switchboard.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A route's metadata as Spring Boot's binder wants it: YAML arrives as nested maps, the
 * binder takes dotted keys.
 */
public final class RouteMetadata {

	private RouteMetadata() {
	}

	/**
	 * The metadata's entries with dotted keys ({@code switchboard.sticky.enabled}), in
	 * their order.
	 */
	public static Map<String, Object> flatten(Map<String, Object> metadata) {
		Map<String, Object> flat = new LinkedHashMap<>();
		flatten("", metadata, flat);
		return flat;
	}

	@SuppressWarnings("unchecked")
	private static void flatten(String prefix, Map<String, Object> source, Map<String, Object> target) {
		for (Map.Entry<String, Object> entry : source.entrySet()) {
			String key = prefix.isEmpty() ? entry.getKey() : prefix + "." + entry.getKey();
			if (entry.getValue() instanceof Map<?, ?> nested) {
				flatten(key, (Map<String, Object>) nested, target);
			}
			else {
				target.put(key, entry.getValue());
			}
		}
	}

}
