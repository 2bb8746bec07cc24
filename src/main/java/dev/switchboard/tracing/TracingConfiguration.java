package dev.switchboard.tracing;

import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;

import dev.switchboard.forwarded.ClientOrigin;
import dev.switchboard.tunnel.TunnelRegistry;

/**
 * Spans for WebSocket handshakes and tunnels, on Spring Boot's Micrometer Tracing with
 * OpenTelemetry (W3C Trace Context, OTLP export). Present only while tracing is on
 * ({@link TracingSwitch}).
 */
@Configuration(proxyBeanMethods = false)
@Conditional(TracingConfiguration.TracingOn.class)
class TracingConfiguration {

	@Bean
	SpanHandshakeTracer switchboardHandshakeTracer(Tracer tracer, Propagator propagator, ClientOrigin clientOrigin) {
		return new SpanHandshakeTracer(tracer, propagator, clientOrigin);
	}

	@Bean
	TunnelSpans switchboardTunnelSpans(Tracer tracer, TunnelRegistry tunnels) {
		TunnelSpans spans = new TunnelSpans(tracer);
		tunnels.addListener(spans);
		return spans;
	}

	static class TracingOn implements Condition {

		@Override
		public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
			return TracingSwitch.isOn(context.getEnvironment());
		}

	}

}
