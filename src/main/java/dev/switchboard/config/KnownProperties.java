package dev.switchboard.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.json.JsonParserFactory;

/**
 * Every {@code switchboard.*} property the gateway binds, as the configuration processor
 * listed them at build time in {@code META-INF/spring-configuration-metadata.json}: the
 * one list of names, so a name is declared only where its setting is.
 */
final class KnownProperties {

	static final String METADATA = "META-INF/spring-configuration-metadata.json";

	static final ConfigurationPropertyName ROOT = ConfigurationPropertyName.of("switchboard");

	/** Properties renamed since they were first published: old name to new name. */
	static final Map<String, String> MOVED = Map.of("switchboard.sticky.ejection-period",
			"switchboard.balancer.ejection-period", "switchboard.sticky.drain-grace-period",
			"switchboard.balancer.drain-grace-period", "switchboard.sticky.drain-sync-interval",
			"switchboard.balancer.drain-sync-interval", "switchboard.sticky.redis.timeout", "switchboard.redis.timeout",
			"switchboard.sticky.redis.probe-interval", "switchboard.redis.probe-interval",
			"switchboard.sticky.redis.max-reconnect-delay", "switchboard.redis.max-reconnect-delay",
			"switchboard.sticky.redis.key-prefix", "switchboard.redis.key-prefix");

	/**
	 * Name to type, e.g. {@code switchboard.discovery.dns.services} to
	 * {@code java.util.Map<...>}.
	 */
	private final Map<String, String> types;

	private KnownProperties(Map<String, String> types) {
		this.types = types;
	}

	/**
	 * The names from every metadata file on the class path; empty when there is none (not
	 * built by Maven).
	 */
	static KnownProperties load(ClassLoader classLoader) {
		Map<String, String> types = new LinkedHashMap<>();
		try {
			Enumeration<URL> files = classLoader.getResources(METADATA);
			while (files.hasMoreElements()) {
				try (InputStream in = files.nextElement().openStream()) {
					Map<String, Object> metadata = JsonParserFactory.getJsonParser()
						.parseMap(new String(in.readAllBytes(), StandardCharsets.UTF_8));
					if (metadata.get("properties") instanceof List<?> properties) {
						for (Object property : properties) {
							if (property instanceof Map<?, ?> entry && entry.get("name") instanceof String name
									&& name.startsWith("switchboard.")) {
								types.put(name, String.valueOf(entry.get("type")));
							}
						}
					}
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read " + METADATA, ex);
		}
		return new KnownProperties(types);
	}

	boolean isEmpty() {
		return this.types.isEmpty();
	}

	Set<String> names() {
		return new LinkedHashSet<>(this.types.keySet());
	}

	/** Whether {@code name} is a property, or an entry of a map or list property. */
	boolean contains(ConfigurationPropertyName name) {
		for (Map.Entry<String, String> property : this.types.entrySet()) {
			ConfigurationPropertyName known = ConfigurationPropertyName.of(property.getKey());
			if (known.equals(name) || (isContainer(property.getValue()) && known.isAncestorOf(name))) {
				return true;
			}
		}
		return false;
	}

	private static boolean isContainer(String type) {
		return type.startsWith("java.util.Map") || type.startsWith("java.util.List") || type.startsWith("java.util.Set")
				|| type.endsWith("[]");
	}

	/**
	 * What is wrong with an unknown name, with the nearest valid one when there is one.
	 */
	String describeUnknown(String name) {
		String moved = MOVED.get(name);
		if (moved != null) {
			return name + " has been renamed " + moved;
		}
		return name + " is not a Switchboard property" + NearestName.hint(name, this.types.keySet());
	}

}
