package dev.switchboard.upgrade;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * TLS towards {@code wss://} and {@code https://} backends for WebSocket handshakes and
 * tunnels.
 */
@ConfigurationProperties("switchboard.backend-tls")
public class BackendTlsProperties {

	/**
	 * Trust any certificate a wss:// backend presents. For tests and private networks
	 * only.
	 */
	private boolean trustAll = false;

	public boolean isTrustAll() {
		return this.trustAll;
	}

	public void setTrustAll(boolean trustAll) {
		this.trustAll = trustAll;
	}

}
