package dev.switchboard.config;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

import dev.switchboard.tracing.TracingSwitch;

/**
 * The settings Switchboard needs from Spring Cloud Gateway and Spring Boot, as a property
 * source of the lowest precedence: any configuration may override them, but none can lose
 * them by replacing the packaged {@code application.yml} (e.g.
 * {@code --spring.config.location=file:my.yml}).
 */
public class SwitchboardDefaults implements EnvironmentPostProcessor {

	static final String SOURCE_NAME = "switchboardDefaults";

	static final Map<String, Object> DEFAULTS = defaults();

	private static final String LETTUCE_OBSERVATION = "org.springframework.boot.data.redis.autoconfigure.observation."
			+ "LettuceObservationAutoConfiguration";

	private static Map<String, Object> defaults() {
		Map<String, Object> defaults = new LinkedHashMap<>();
		String gateway = "spring.cloud.gateway.server.webflux.";
		// The tunnel replaces the stock WebSocket routing filter, which answers 101
		// before contacting the backend.
		defaults.put(gateway + "global-filter.websocket-routing.enabled", false);
		// Switchboard's ForwardedHeadersFilter writes X-Forwarded-* / Forwarded itself
		// (and strips what untrusted clients send): the gateway's own filters would only
		// do work that is thrown away.
		defaults.put(gateway + "forwarded.enabled", false);
		defaults.put(gateway + "x-forwarded.enabled", false);
		// Per-request observations cost ~4% of a handshake with no tracer; turned on for
		// tracing.
		defaults.put(gateway + "observability.enabled", false);
		defaults.put("server.shutdown", "graceful");
		// Actuator on its own port, never on the public one.
		defaults.put("management.server.port", 9090);
		defaults.put("management.endpoints.web.exposure.include", "health,info,prometheus,gateway,backends");
		defaults.put("management.endpoint.gateway.access", "read-only");
		// Lists backend instances; POST marks one draining on every replica (management
		// port only).
		defaults.put("management.endpoint.backends.access", "unrestricted");
		defaults.put("management.endpoint.health.probes.enabled", true);
		defaults.put("management.endpoint.health.show-details", "always");
		// Kubernetes probes depend on nothing outside the gateway: sticky routing works
		// without Redis.
		defaults.put("management.endpoint.health.group.liveness.include", "livenessState");
		defaults.put("management.endpoint.health.group.readiness.include", "readinessState");
		defaults.put("management.health.redis.enabled", false);
		// Connecting to Redis must fail fast when it is unreachable: a pending connect
		// holds up the drain
		// sync and shutdown (Lettuce's own default is 10 s).
		defaults.put("spring.data.redis.connect-timeout", "2s");
		defaults.put("management.info.env.enabled", true);
		// Reactor Netty logs every request its decoder cannot parse at WARN: a log flood
		// whoever sends
		// garbage controls. The edge's RequestGuard counts them by reason and logs at
		// most 10 a second.
		defaults.put("logging.level.reactor.netty.http.server.HttpServerOperations", "error");
		return Map.copyOf(defaults);
	}

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (!environment.getPropertySources().contains(SOURCE_NAME)) {
			Map<String, Object> defaults = new LinkedHashMap<>(DEFAULTS);
			if (TracingSwitch.isOn(environment)) {
				// Plain HTTP keeps the gateway's own client observations, traced.
				defaults.put("spring.cloud.gateway.server.webflux.observability.enabled", true);
				// Baggage only when asked for (with its remote fields): it costs every
				// request a parse of the baggage header and a context copy. A client's
				// baggage header still reaches the backend, as any other header.
				defaults.put("management.tracing.baggage.enabled", false);
			}
			else {
				// Also what Spring Boot's log pattern reads: no empty [traceId-spanId]
				// padding.
				defaults.put(TracingSwitch.EXPORT, false);
				// Lettuce's per-command observation, without a tracer only a timer per
				// Redis command: 4-5% of a handshake's CPU with the Redis-backed policies
				// on (bench/RESULTS.md). Redis spans come back with tracing.
				defaults.put("spring.autoconfigure.exclude", LETTUCE_OBSERVATION);
			}
			environment.getPropertySources().addLast(new MapPropertySource(SOURCE_NAME, defaults));
		}
	}

}
