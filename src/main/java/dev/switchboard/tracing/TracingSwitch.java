package dev.switchboard.tracing;

import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * Whether the gateway traces: only when an OTLP endpoint and a sampling probability are
 * both configured (Spring Boot's own properties), and export is not switched off. Off,
 * the tracing auto-configurations are not even loaded
 * ({@link TracingAutoConfigurationFilter}): with a tracer bridge on the class path Spring
 * Boot would otherwise create a tracer and a span for every request whether or not
 * anything is exported.
 */
public final class TracingSwitch {

	public static final String ENDPOINT = "management.opentelemetry.tracing.export.otlp.endpoint";

	public static final String PROBABILITY = "management.tracing.sampling.probability";

	public static final String EXPORT = "management.tracing.export.enabled";

	private TracingSwitch() {
	}

	public static boolean isOn(Environment environment) {
		return StringUtils.hasText(environment.getProperty(ENDPOINT))
				&& StringUtils.hasText(environment.getProperty(PROBABILITY))
				&& environment.getProperty(EXPORT, Boolean.class, true);
	}

}
