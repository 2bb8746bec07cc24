package dev.switchboard.sticky;

import java.time.Duration;

/**
 * One route's sticky settings: the global {@code switchboard.sticky.*} defaults with the route's
 * {@code metadata.switchboard.sticky.*} overrides applied.
 *
 * @param enabled whether the route is sticky
 * @param cookieName name of the session cookie
 * @param cookiePath its Path attribute
 * @param cookieMaxAge its Max-Age, or null for a browser-session cookie
 * @param sameSite its SameSite attribute
 * @param ttl sliding lifetime of an assignment in Redis
 * @param learnCookie cookie set by the backend whose value becomes an affinity key, or null
 * @param learnHeader response header set by the backend whose value becomes an affinity key, or null
 * @param learnQueryParam query parameter in which clients present a learned key, or null
 */
public record StickySettings(boolean enabled, String cookieName, String cookiePath, Duration cookieMaxAge,
		StickyProperties.SameSite sameSite, Duration ttl, String learnCookie, String learnHeader,
		String learnQueryParam) {

	/** Whether this route learns affinity keys from its backend's responses. */
	boolean learns() {
		return this.learnCookie != null || this.learnHeader != null;
	}

	/** Which affinity key the route uses, in words (for the actuator endpoint). */
	String describeKey() {
		StringBuilder key = new StringBuilder("cookie " + this.cookieName);
		if (this.learnCookie != null) {
			key.append(", learned from backend cookie ").append(this.learnCookie);
		}
		if (this.learnHeader != null) {
			key.append(", learned from backend header ").append(this.learnHeader);
		}
		if (this.learnQueryParam != null) {
			key.append(", presented as query parameter ").append(this.learnQueryParam);
		}
		return key.toString();
	}

}
