package dev.switchboard.upgrade;

import io.micrometer.tracing.TraceContext;

import org.springframework.http.HttpHeaders;

/**
 * The span of one traced handshake, from the client's request to the gateway's answer.
 */
public interface HandshakeSpan {

	/**
	 * Puts this span's trace context ({@code traceparent}, {@code tracestate},
	 * {@code baggage} when configured) in place of the client's into the upgrade
	 * request's headers to the backend.
	 * @param upstream the headers to send, writable
	 */
	void propagate(HttpHeaders upstream);

	/**
	 * Ends the span with the handshake's outcome.
	 * @param outcome how the handshake ended
	 * @param status the status the client got
	 * @param reason why it was refused, or null
	 * @param backendInstance the instance contacted ({@code host:port}), or null
	 * @param whileCurrent run with this span current, so what it records (metrics
	 * exemplars, log lines) carries the trace
	 */
	void end(HandshakeOutcome outcome, int status, String reason, String backendInstance, Runnable whileCurrent);

	/** The span's trace context, which the tunnel keeps for its own span at the end. */
	TraceContext context();

}
