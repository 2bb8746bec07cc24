package dev.switchboard.tracing;

import java.util.concurrent.TimeUnit;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;

import dev.switchboard.tunnel.Tunnel;
import dev.switchboard.tunnel.TunnelListener;
import dev.switchboard.tunnel.TunnelSummary;

/**
 * When a traced tunnel ends, a short span ({@code websocket.tunnel}) records its life:
 * duration, bytes and messages each way, close code, initiator and reason. Not a span
 * open for the tunnel's whole life: tunnels last hours, and tracing backends drop or
 * mis-show spans that long, and hold nothing until they end. The span is a child of the
 * handshake's, so one trace shows the connect and the close, and it is sampled exactly
 * when the handshake was (a separate trace linked to it would be sampled on its own).
 */
public class TunnelSpans implements TunnelListener {

	static final String NAME = "websocket.tunnel";

	private final Tracer tracer;

	public TunnelSpans(Tracer tracer) {
		this.tracer = tracer;
	}

	@Override
	public void onOpen(Tunnel tunnel) {
	}

	@Override
	public void onClose(Tunnel tunnel, TunnelSummary summary) {
		TraceContext handshake = summary.origin().trace();
		if (handshake == null || !Boolean.TRUE.equals(handshake.sampled())) {
			return;
		}
		Span.Builder builder = this.tracer.spanBuilder()
			.setParent(handshake)
			.name(NAME)
			.tag("switchboard.route", summary.origin().routeId())
			.tag("switchboard.backend_instance", summary.origin().backendInstance())
			.tag("switchboard.tunnel.duration_ms", TimeUnit.NANOSECONDS.toMillis(summary.durationNanos()))
			.tag("switchboard.bytes_to_backend", summary.bytesToBackend())
			.tag("switchboard.bytes_to_client", summary.bytesToClient())
			.tag("switchboard.messages_to_backend", summary.messagesToBackend())
			.tag("switchboard.messages_to_client", summary.messagesToClient())
			.tag("websocket.close.code", summary.closeCode())
			.tag("switchboard.close.initiator", summary.initiator().tag());
		if (summary.gatewayReason() != null) {
			builder.tag("switchboard.close.reason", summary.gatewayReason().tag());
		}
		builder.start().end();
	}

}
