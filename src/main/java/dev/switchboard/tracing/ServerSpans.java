package dev.switchboard.tracing;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.handler.TracingObservationHandler;

import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.web.server.ServerWebExchange;

/**
 * The span of the server observation WebFlux runs for every request
 * ({@code http.server.requests}): the child of the client's {@code traceparent}, and the
 * parent of what the gateway does for the request.
 */
public final class ServerSpans {

	private ServerSpans() {
	}

	/** The request's server span, or null when the request is not traced. */
	public static Span of(ServerWebExchange exchange) {
		Object context = exchange.getAttribute(ServerRequestObservationContext.CURRENT_OBSERVATION_CONTEXT_ATTRIBUTE);
		if (!(context instanceof ServerRequestObservationContext observation)) {
			return null;
		}
		TracingObservationHandler.TracingContext tracing = observation
			.get(TracingObservationHandler.TracingContext.class);
		return (tracing != null) ? tracing.getSpan() : null;
	}

}
