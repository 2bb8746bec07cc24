package dev.switchboard.sticky;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import static dev.switchboard.config.SettingChecks.positive;

/**
 * A route's sticky sessions: {@code switchboard.sticky.*} globally, and per route under
 * {@code metadata.switchboard.sticky.*} with the same names (see {@code RouteSettings}).
 *
 * @param enabled Whether sessions on the route are sticky; only meaningful on lb://
 * routes
 * @param cookieName Name of the session cookie
 * @param cookiePath Path attribute of the session cookie
 * @param cookieMaxAge Max-Age of the session cookie; unset makes it a browser-session
 * cookie
 * @param sameSite SameSite attribute of the session cookie: strict, lax or none
 * @param ttl How long an assignment lives in Redis after its last use (sliding)
 * @param learnCookie A cookie the backend sets whose value becomes an affinity key (e.g.
 * io for Socket.IO); unset: none
 * @param learnHeader A response header the backend sets whose value becomes an affinity
 * key; unset: none
 * @param learnQueryParam A query parameter in which clients present a learned key (e.g.
 * sid for Engine.IO); unset: none
 */
@ConfigurationProperties("switchboard.sticky")
public record StickySettings(@DefaultValue("false") boolean enabled,
		@DefaultValue("SWITCHBOARD_STICKY") String cookieName, @DefaultValue("/") String cookiePath,
		Duration cookieMaxAge, @DefaultValue("lax") SameSite sameSite, @DefaultValue("24h") Duration ttl,
		String learnCookie, String learnHeader, String learnQueryParam) {

	/**
	 * Refuses values that cannot work, naming the properties as the user spelled them.
	 * @param prefix what comes before {@code switchboard.} where the user wrote the value
	 * ({@code ""} or {@code metadata.})
	 */
	public void check(String prefix) {
		String p = prefix + "switchboard.sticky.";
		positive(p + "ttl", this.ttl);
		if (this.cookieName == null || !this.cookieName.matches("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+")) {
			throw new IllegalArgumentException(p + "cookie-name is not a valid cookie name: '" + this.cookieName + "'");
		}
	}

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

	/** The cookie's SameSite attribute. */
	public enum SameSite {

		STRICT("Strict"), LAX("Lax"), NONE("None");

		private final String attribute;

		SameSite(String attribute) {
			this.attribute = attribute;
		}

		public String attribute() {
			return this.attribute;
		}

	}

}
