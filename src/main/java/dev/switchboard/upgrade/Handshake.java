package dev.switchboard.upgrade;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;

import io.netty.channel.Channel;

import org.springframework.web.server.ServerWebExchange;

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

	private final List<HandshakeRecorder> recorders;

	private boolean recorded;

	Handshake(ServerWebExchange exchange, Channel client, String routeId, URI backend, HandshakeSettings settings,
			TunnelSettings tunnelSettings, List<HandshakeRecorder> recorders) {
		this.exchange = exchange;
		this.client = client;
		this.routeId = routeId;
		this.backend = backend;
		this.settings = settings;
		this.tunnelSettings = tunnelSettings;
		this.recorders = recorders;
	}

	long elapsedNanos() {
		return System.nanoTime() - this.startNanos;
	}

	String clientAddress() {
		InetSocketAddress remote = this.exchange.getRequest().getRemoteAddress();
		return (remote != null && remote.getAddress() != null) ? remote.getAddress().getHostAddress() : "-";
	}

	void record(HandshakeOutcome outcome, int status) {
		if (this.recorded) {
			return;
		}
		this.recorded = true;
		long duration = elapsedNanos();
		for (HandshakeRecorder recorder : this.recorders) {
			recorder.record(this.exchange, this.routeId, outcome, status, duration);
		}
	}

}
