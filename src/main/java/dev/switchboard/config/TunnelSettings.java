package dev.switchboard.config;

import java.time.Duration;

import org.springframework.util.unit.DataSize;

/**
 * The settings one route's tunnels run with: the global {@code switchboard.*} defaults with the route's
 * {@code metadata.switchboard.*} overrides applied. Resolved once per route, not per handshake.
 *
 * @param connectTimeout longest wait for the backend's TCP connection
 * @param handshakeTimeout longest wait for the backend's handshake answer once connected
 * @param maxMessageSize largest message relayed in either direction
 * @param upgradeHeaderValue spelling of the Upgrade header sent upstream
 * @param connectionHeaderValue spelling of the Connection header sent upstream
 * @param closeTimeout how long a peer may take to answer a close frame
 * @param heartbeatInterval silence from a side after which the gateway pings it (zero: never)
 * @param heartbeatTimeout how long a pinged side has to send anything before it is declared dead
 * @param idleTimeout time without a data frame in either direction after which the tunnel is closed (zero: never)
 * @param maxLifetime age at which the tunnel is closed to force a reconnect (zero: never)
 * @param answerPings answer the peers' own pings at the gateway instead of relaying them
 */
public record TunnelSettings(Duration connectTimeout, Duration handshakeTimeout, DataSize maxMessageSize,
		String upgradeHeaderValue, String connectionHeaderValue, Duration closeTimeout, Duration heartbeatInterval,
		Duration heartbeatTimeout, Duration idleTimeout, Duration maxLifetime, boolean answerPings) {

	public boolean heartbeatsEnabled() {
		return !this.heartbeatInterval.isZero();
	}

}
