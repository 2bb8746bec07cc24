package dev.switchboard.sticky;

import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Sticky routing's global-only settings. The per-route ones are {@link StickySettings},
 * under the same prefix.
 */
@ConfigurationProperties("switchboard.sticky")
public class StickyProperties {

	/**
	 * Key the session cookie is sealed with (AES-256-GCM, key derived by HKDF-SHA256), at
	 * least 32 characters, the same on every replica. Required when a route is sticky.
	 */
	private String secret;

	/**
	 * Secrets cookies sealed before a rotation may still carry: read, never used to seal.
	 * Remove them once every client has been back (cookie-max-age, or a day).
	 */
	private List<String> previousSecrets = new ArrayList<>();

	public String getSecret() {
		return this.secret;
	}

	public void setSecret(String secret) {
		this.secret = secret;
	}

	public List<String> getPreviousSecrets() {
		return this.previousSecrets;
	}

	public void setPreviousSecrets(List<String> previousSecrets) {
		this.previousSecrets = previousSecrets;
	}

}
