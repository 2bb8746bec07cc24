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
 */
public record TunnelSettings(Duration connectTimeout, Duration handshakeTimeout, DataSize maxMessageSize,
		String upgradeHeaderValue, String connectionHeaderValue, Duration closeTimeout) {
}
