package dev.switchboard.sticky;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Sticky routing's global-only settings. The per-route ones are {@link StickySettings},
 * under the same prefix.
 */
@ConfigurationProperties("switchboard.sticky")
public class StickyProperties {

	/**
	 * Key that signs session ids (HMAC-SHA256), at least 32 characters, the same on every
	 * replica. Required when a route is sticky.
	 */
	private String secret;

	public String getSecret() {
		return this.secret;
	}

	public void setSecret(String secret) {
		this.secret = secret;
	}

}
