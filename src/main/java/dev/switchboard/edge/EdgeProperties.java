package dev.switchboard.edge;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The public server's connection-level limits, and what Switchboard knows of the hop in
 * front of it. Global only (no per-route overrides): they apply before any route is
 * matched.
 */
@ConfigurationProperties("switchboard")
public class EdgeProperties {

	/**
	 * Longest time a client may take to send its first request's headers; slower
	 * connections are dropped (slowloris).
	 */
	private Duration clientHeaderTimeout = Duration.ofSeconds(10);

	/**
	 * Longest silence between two reads of a request's body; a client that announces a
	 * body and stops sending it is dropped (slowloris on the body). Tunnels are not
	 * affected: a handshake has no body. 0 disables.
	 */
	private Duration clientBodyTimeout = Duration.ofSeconds(60);

	/**
	 * The idle timeout of whatever sits in front of the gateway (cloud load balancer,
	 * ingress), if known; startup fails when a heartbeat interval is not comfortably
	 * below it.
	 */
	private Duration edgeIdleTimeout;

	public Duration getClientHeaderTimeout() {
		return this.clientHeaderTimeout;
	}

	public void setClientHeaderTimeout(Duration clientHeaderTimeout) {
		this.clientHeaderTimeout = clientHeaderTimeout;
	}

	public Duration getClientBodyTimeout() {
		return this.clientBodyTimeout;
	}

	public void setClientBodyTimeout(Duration clientBodyTimeout) {
		this.clientBodyTimeout = clientBodyTimeout;
	}

	public Duration getEdgeIdleTimeout() {
		return this.edgeIdleTimeout;
	}

	public void setEdgeIdleTimeout(Duration edgeIdleTimeout) {
		this.edgeIdleTimeout = edgeIdleTimeout;
	}

}
