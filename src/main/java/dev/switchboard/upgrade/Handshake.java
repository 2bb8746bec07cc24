package dev.switchboard.upgrade;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;

import io.micrometer.tracing.TraceContext;
import io.netty.channel.Channel;

import org.springframework.web.server.ServerWebExchange;

import dev.switchboard.InstanceKey;
import dev.switchboard.tunnel.TunnelSettings;

/**
 * One WebSocket handshake in flight: what the tunnel filter knows about it from the
 * request to the 101 (or the refusal), and the place its outcome is reported exactly
 * once.
 */
final class Handshake {

	final ServerWebExchange exchange;

	final Channel client;

	final String routeId;

	/** The instance being contacted; a retry on another instance replaces it. */
	URI backend;

	final HandshakeSettings settings;

	/** What the tunnel runs with, should the backend accept. */
	final TunnelSettings tunnelSettings;

	final long startNanos = System.nanoTime();

	/** The handshake's span; null when it is not traced. */
	final HandshakeSpan span;

	private final List<HandshakeRecorder> recorders;

	private boolean recorded;

	Handshake(ServerWebExchange exchange, Channel client, String routeId, URI backend, HandshakeSettings settings,
			TunnelSettings tunnelSettings, List<HandshakeRecorder> recorders, HandshakeTracer tracer) {
		this.exchange = exchange;
		this.client = client;
		this.routeId = routeId;
		this.backend = backend;
		this.settings = settings;
		this.tunnelSettings = tunnelSettings;
		this.recorders = recorders;
		this.span = tracer.start(exchange, routeId);
	}

	long elapsedNanos() {
		return System.nanoTime() - this.startNanos;
	}

	String clientAddress() {
		InetSocketAddress remote = this.exchange.getRequest().getRemoteAddress();
		return (remote != null && remote.getAddress() != null) ? remote.getAddress().getHostAddress() : "-";
	}

	void record(HandshakeOutcome outcome, int status) {
		record(outcome, status, null);
	}

	/** Reports the outcome, once; {@code reason} says why a handshake was refused. */
	void record(HandshakeOutcome outcome, int status, String reason) {
		if (this.recorded) {
			return;
		}
		this.recorded = true;
		long duration = elapsedNanos();
		if (this.span == null) {
			recordAll(outcome, status, duration);
			return;
		}
		String instance = (this.backend.getHost() != null) ? InstanceKey.of(this.backend) : null;
		this.span.end(outcome, status, reason, instance, () -> recordAll(outcome, status, duration));
	}

	private void recordAll(HandshakeOutcome outcome, int status, long duration) {
		HandshakeRecorder.recordAll(this.recorders, this.exchange, this.routeId, outcome, status, duration);
	}

	TraceContext traceContext() {
		return (this.span != null) ? this.span.context() : null;
	}

}
