package dev.switchboard.support;

import org.springframework.test.context.DynamicPropertyRegistry;

/** Declares gateway routes as properties, exactly as application.yml would. */
public final class Routes {

	private static final String PREFIX = "spring.cloud.gateway.server.webflux.routes";

	private final DynamicPropertyRegistry registry;

	private int count;

	public Routes(DynamicPropertyRegistry registry) {
		this.registry = registry;
	}

	public Route add(String id, String uri, String predicate) {
		String key = PREFIX + "[" + this.count++ + "]";
		this.registry.add(key + ".id", () -> id);
		this.registry.add(key + ".uri", () -> uri);
		this.registry.add(key + ".predicates[0]", () -> predicate);
		return new Route(key);
	}

	public final class Route {

		private final String key;

		private int filters;

		private int predicates = 1;

		Route(String key) {
			this.key = key;
		}

		public Route predicate(String predicate) {
			Routes.this.registry.add(this.key + ".predicates[" + this.predicates++ + "]", () -> predicate);
			return this;
		}

		public Route filter(String filter) {
			Routes.this.registry.add(this.key + ".filters[" + this.filters++ + "]", () -> filter);
			return this;
		}

		public Route metadata(String name, String value) {
			Routes.this.registry.add(this.key + ".metadata." + name, () -> value);
			return this;
		}

	}

}
