package dev.switchboard.tracing;

import java.util.Set;

import org.springframework.boot.autoconfigure.AutoConfigurationImportFilter;
import org.springframework.boot.autoconfigure.AutoConfigurationMetadata;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;

/**
 * Leaves out Spring Boot's and Spring Cloud Gateway's tracing auto-configurations while
 * tracing is off ({@link TracingSwitch}), so that no tracer, span processor or exporter
 * exists and a request costs nothing for tracing; and OpenTelemetry's log export always
 * (the gateway's logs go to standard output, and its processor is a thread of its own). A
 * filter rather than a default {@code spring.autoconfigure.exclude}, which a user's own
 * exclusions would replace.
 */
public class TracingAutoConfigurationFilter implements AutoConfigurationImportFilter, EnvironmentAware {

	private static final String BOOT = "org.springframework.boot.";

	private static final String OTEL_TRACING = BOOT + "micrometer.tracing.opentelemetry.autoconfigure.";

	static final Set<String> TRACING = Set.of(
			BOOT + "micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration",
			BOOT + "micrometer.tracing.autoconfigure.NoopTracerAutoConfiguration",
			BOOT + "micrometer.tracing.autoconfigure.prometheus.PrometheusExemplarsAutoConfiguration",
			OTEL_TRACING + "OpenTelemetryTracingAutoConfiguration", OTEL_TRACING + "otlp.OtlpTracingAutoConfiguration",
			OTEL_TRACING + "zipkin.ZipkinWithOpenTelemetryTracingAutoConfiguration",
			BOOT + "opentelemetry.autoconfigure.OpenTelemetrySdkAutoConfiguration",
			"org.springframework.cloud.gateway.config.GatewayTracingAutoConfiguration");

	static final Set<String> LOG_EXPORT = Set.of(
			BOOT + "opentelemetry.autoconfigure.logging.OpenTelemetryLoggingAutoConfiguration",
			BOOT + "opentelemetry.autoconfigure.logging.otlp.OtlpLoggingAutoConfiguration");

	private boolean tracing;

	@Override
	public void setEnvironment(Environment environment) {
		this.tracing = TracingSwitch.isOn(environment);
	}

	@Override
	public boolean[] match(String[] autoConfigurationClasses, AutoConfigurationMetadata metadata) {
		boolean[] matches = new boolean[autoConfigurationClasses.length];
		for (int i = 0; i < matches.length; i++) {
			String candidate = autoConfigurationClasses[i];
			matches[i] = candidate == null
					|| !(LOG_EXPORT.contains(candidate) || (!this.tracing && TRACING.contains(candidate)));
		}
		return matches;
	}

}
