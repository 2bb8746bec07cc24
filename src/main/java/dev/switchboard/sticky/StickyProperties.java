package dev.switchboard.sticky;

import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Sticky routing's global settings. The per-route ones ({@link StickySettings}) are defaults here and can
 * be overridden under a route's {@code metadata.switchboard.sticky.*} with the same names.
 */
@ConfigurationProperties("switchboard.sticky")
@Validated
public class StickyProperties {

	/** Whether routes are sticky unless their metadata says otherwise. */
	private boolean enabled = false;

	/** Name of the session cookie. */
	@NotBlank
	private String cookieName = "SWITCHBOARD_STICKY";

	/** Path attribute of the session cookie. */
	@NotBlank
	private String cookiePath = "/";

	/** Max-Age of the session cookie; unset makes it a browser-session cookie. */
	private Duration cookieMaxAge;

	/** SameSite attribute of the session cookie: Strict, Lax or None. */
	@NotNull
	private SameSite sameSite = SameSite.LAX;

	/** How long an assignment lives in Redis after its last use (sliding). */
	@NotNull
	private Duration ttl = Duration.ofHours(24);

	/** A cookie the backend sets whose value becomes an affinity key (e.g. io for Socket.IO); unset: none. */
	private String learnCookie;

	/** A response header the backend sets whose value becomes an affinity key; unset: none. */
	private String learnHeader;

	/** A query parameter in which clients present a learned key (e.g. sid for Engine.IO); unset: none. */
	private String learnQueryParam;

	/** Key that signs session ids (HMAC-SHA256), at least 32 characters, the same on every replica. Required when a route is sticky. */
	private String secret;

	/** How long an instance that refused a connection is left out of every choice (passive health). */
	@NotNull
	private Duration ejectionPeriod = Duration.ofSeconds(10);

	/** How long tunnels to an instance marked draining stay open before they are closed with 1001. */
	@NotNull
	private Duration drainGracePeriod = Duration.ofSeconds(30);

	/** How often each replica reads the shared list of draining instances from Redis. */
	@NotNull
	private Duration drainSyncInterval = Duration.ofSeconds(1);

	/** Redis, where assignments are kept. */
	@Valid
	private final Redis redis = new Redis();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public String getCookieName() {
		return this.cookieName;
	}

	public void setCookieName(String cookieName) {
		this.cookieName = cookieName;
	}

	public String getCookiePath() {
		return this.cookiePath;
	}

	public void setCookiePath(String cookiePath) {
		this.cookiePath = cookiePath;
	}

	public Duration getCookieMaxAge() {
		return this.cookieMaxAge;
	}

	public void setCookieMaxAge(Duration cookieMaxAge) {
		this.cookieMaxAge = cookieMaxAge;
	}

	public SameSite getSameSite() {
		return this.sameSite;
	}

	public void setSameSite(SameSite sameSite) {
		this.sameSite = sameSite;
	}

	public Duration getTtl() {
		return this.ttl;
	}

	public void setTtl(Duration ttl) {
		this.ttl = ttl;
	}

	public String getLearnCookie() {
		return this.learnCookie;
	}

	public void setLearnCookie(String learnCookie) {
		this.learnCookie = learnCookie;
	}

	public String getLearnHeader() {
		return this.learnHeader;
	}

	public void setLearnHeader(String learnHeader) {
		this.learnHeader = learnHeader;
	}

	public String getLearnQueryParam() {
		return this.learnQueryParam;
	}

	public void setLearnQueryParam(String learnQueryParam) {
		this.learnQueryParam = learnQueryParam;
	}

	public String getSecret() {
		return this.secret;
	}

	public void setSecret(String secret) {
		this.secret = secret;
	}

	public Duration getEjectionPeriod() {
		return this.ejectionPeriod;
	}

	public void setEjectionPeriod(Duration ejectionPeriod) {
		this.ejectionPeriod = ejectionPeriod;
	}

	public Duration getDrainGracePeriod() {
		return this.drainGracePeriod;
	}

	public void setDrainGracePeriod(Duration drainGracePeriod) {
		this.drainGracePeriod = drainGracePeriod;
	}

	public Duration getDrainSyncInterval() {
		return this.drainSyncInterval;
	}

	public void setDrainSyncInterval(Duration drainSyncInterval) {
		this.drainSyncInterval = drainSyncInterval;
	}

	public Redis getRedis() {
		return this.redis;
	}

	/** The defaults every route's sticky settings start from. */
	StickySettings routeDefaults() {
		return new StickySettings(this.enabled, this.cookieName, this.cookiePath, this.cookieMaxAge, this.sameSite,
				this.ttl, this.learnCookie, this.learnHeader, this.learnQueryParam);
	}

	public static class Redis {

		/** Longest wait for one Redis command; past it the request is routed without Redis (rendezvous hashing). Lettuce's command timeout. */
		@NotNull
		private Duration timeout = Duration.ofMillis(500);

		/** While Redis is unavailable, how often it is probed (PING) to return to it. */
		@NotNull
		private Duration probeInterval = Duration.ofSeconds(1);

		/** Longest pause between Lettuce's reconnection attempts after Redis went away. */
		@NotNull
		private Duration maxReconnectDelay = Duration.ofSeconds(1);

		/** Prefix of every key sticky routing writes. */
		@NotBlank
		private String keyPrefix = "switchboard:sticky";

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

		public Duration getProbeInterval() {
			return this.probeInterval;
		}

		public void setProbeInterval(Duration probeInterval) {
			this.probeInterval = probeInterval;
		}

		public Duration getMaxReconnectDelay() {
			return this.maxReconnectDelay;
		}

		public void setMaxReconnectDelay(Duration maxReconnectDelay) {
			this.maxReconnectDelay = maxReconnectDelay;
		}

		public String getKeyPrefix() {
			return this.keyPrefix;
		}

		public void setKeyPrefix(String keyPrefix) {
			this.keyPrefix = keyPrefix;
		}

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
