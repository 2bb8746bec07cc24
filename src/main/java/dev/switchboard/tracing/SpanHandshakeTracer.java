package dev.switchboard.tracing;

import java.net.URI;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;

import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

import dev.switchboard.ExchangeAttributes;
import dev.switchboard.forwarded.ClientOrigin;
import dev.switchboard.upgrade.HandshakeOutcome;
import dev.switchboard.upgrade.HandshakeSpan;
import dev.switchboard.upgrade.HandshakeTracer;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;

/**
 * A span per WebSocket handshake ({@code websocket.handshake}, kind client: the gateway's
 * call to the backend), child of the request's server span and so of the client's
 * {@code traceparent}. Its trace context goes to the backend on the upgrade request, so
 * the backend's span joins the trace. Attributes follow OpenTelemetry's HTTP conventions
 * where they fit, plus Switchboard's outcome, backend instance and sticky decision. A
 * handshake the gateway or the backend failed (502, 504, a 5xx from the backend) ends
 * with an error status; a refusal of the client's request (4xx) carries its reason
 * without one, as the client's error.
 */
public class SpanHandshakeTracer implements HandshakeTracer {

	static final String NAME = "websocket.handshake";

	private final Tracer tracer;

	private final Propagator propagator;

	private final ClientOrigin clientOrigin;

	public SpanHandshakeTracer(Tracer tracer, Propagator propagator, ClientOrigin clientOrigin) {
		this.tracer = tracer;
		this.propagator = propagator;
		this.clientOrigin = clientOrigin;
	}

	@Override
	public HandshakeSpan start(ServerWebExchange exchange, String routeId) {
		Span server = ServerSpans.of(exchange);
		Span.Builder builder = (server != null) ? this.tracer.spanBuilder().setParent(server.context())
				: this.propagator.extract(exchange.getRequest().getHeaders(), HttpHeaders::getFirst);
		Span span = builder.name(NAME).kind(Span.Kind.CLIENT).start();
		if (!span.isNoop()) {
			// Attributes only for a span that is recorded: most are not (sampling).
			span.tag("http.request.method", exchange.getRequest().getMethod().name());
			span.tag("switchboard.route", routeId);
			span.tag("url.path", exchange.getRequest().getPath().value());
			span.tag("client.address", this.clientOrigin.clientAddress(exchange.getRequest()));
			URI backend = exchange.getAttribute(GATEWAY_REQUEST_URL_ATTR);
			if (backend != null && backend.getHost() != null) {
				span.tag("server.address", backend.getHost());
			}
		}
		exchange.getAttributes().put(ExchangeAttributes.TRACE_CONTEXT, span.context());
		return new TracedHandshake(span, exchange);
	}

	private final class TracedHandshake implements HandshakeSpan {

		private final Span span;

		private final ServerWebExchange exchange;

		TracedHandshake(Span span, ServerWebExchange exchange) {
			this.span = span;
			this.exchange = exchange;
		}

		@Override
		public void propagate(HttpHeaders upstream) {
			// The backend's parent is this span, not whatever the client sent.
			SpanHandshakeTracer.this.propagator.fields().forEach(upstream::remove);
			SpanHandshakeTracer.this.propagator.inject(this.span.context(), upstream, HttpHeaders::set);
		}

		@Override
		public void end(HandshakeOutcome outcome, int status, String reason, String backendInstance,
				Runnable whileCurrent) {
			if (this.span.isNoop()) {
				whileCurrent.run();
				this.span.end();
				return;
			}
			this.span.tag("http.response.status_code", status);
			this.span.tag("switchboard.outcome", outcome.tag());
			if (backendInstance != null) {
				this.span.tag("switchboard.backend_instance", backendInstance);
			}
			Object sticky = this.exchange.getAttribute(ExchangeAttributes.STICKY_DECISION);
			if (sticky != null) {
				this.span.tag("switchboard.sticky.decision", sticky.toString());
			}
			if (reason != null) {
				this.span.tag("switchboard.refusal_reason", reason);
			}
			if (failed(outcome, status)) {
				this.span.tag("error.type", String.valueOf(status));
				this.span.error(new HandshakeFailure(reason));
			}
			try (Tracer.SpanInScope scope = SpanHandshakeTracer.this.tracer.withSpan(this.span)) {
				whileCurrent.run();
			}
			finally {
				this.span.end();
			}
		}

		@Override
		public TraceContext context() {
			return this.span.context();
		}

		/** The gateway's or the backend's failure, not the client's. */
		private static boolean failed(HandshakeOutcome outcome, int status) {
			return outcome == HandshakeOutcome.BACKEND_UNAVAILABLE || outcome == HandshakeOutcome.BACKEND_TIMEOUT
					|| (outcome == HandshakeOutcome.REJECTED_BY_BACKEND && status >= 500);
		}

	}

	/** The reason a handshake failed, as the span's error. */
	static final class HandshakeFailure extends RuntimeException {

		HandshakeFailure(String reason) {
			super((reason != null) ? reason : "handshake failed", null, false, false);
		}

	}

}
