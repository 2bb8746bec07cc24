package dev.switchboard.upgrade;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import static dev.switchboard.config.SettingChecks.notBlank;
import static dev.switchboard.config.SettingChecks.positive;

/**
 * How a route's WebSocket handshakes reach the backend: {@code switchboard.*} globally,
 * and per route under {@code metadata.switchboard.*} with the same names (see
 * {@code RouteSettings}).
 *
 * @param connectTimeout Longest wait for the TCP connection to a backend; past it the
 * handshake is answered with 504
 * @param handshakeTimeout Longest wait, once connected, for the backend's answer to the
 * WebSocket handshake; past it 504
 * @param upgradeHeaderValue Exact spelling of the Upgrade header sent upstream on upgrade
 * requests (some backends compare it case-sensitively)
 * @param connectionHeaderValue Exact spelling of the Connection header sent upstream on
 * upgrade requests
 */
@ConfigurationProperties("switchboard")
public record HandshakeSettings(@DefaultValue("5s") Duration connectTimeout,
		@DefaultValue("10s") Duration handshakeTimeout, @DefaultValue("websocket") String upgradeHeaderValue,
		@DefaultValue("upgrade") String connectionHeaderValue) {

	/**
	 * Refuses values that cannot work, naming the properties as the user spelled them.
	 * @param prefix what comes before {@code switchboard.} where the user wrote the value
	 * ({@code ""} or {@code metadata.})
	 */
	public void check(String prefix) {
		String p = prefix + "switchboard.";
		positive(p + "connect-timeout", this.connectTimeout);
		positive(p + "handshake-timeout", this.handshakeTimeout);
		notBlank(p + "upgrade-header-value", this.upgradeHeaderValue);
		notBlank(p + "connection-header-value", this.connectionHeaderValue);
	}

}
