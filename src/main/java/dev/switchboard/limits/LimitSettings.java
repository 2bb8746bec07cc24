package dev.switchboard.limits;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import static dev.switchboard.config.SettingChecks.positive;

/**
 * How many tunnels a route may hold at once, counted over every gateway replica:
 * {@code switchboard.*} globally, and per route under {@code metadata.switchboard.*} with
 * the same names.
 *
 * @param maxTunnelsPerClient Most tunnels one client address (as resolved from trusted
 * forwarded headers) may hold open on the route at once, over all replicas; more get 503
 * with Retry-After. 0: no limit
 * @param maxTunnelsPerSubject Most tunnels one authenticated subject (auth: jwt) may hold
 * open on the route at once, over all replicas; more get 503 with Retry-After. 0: no
 * limit
 * @param maxTunnelsPerRoute Most tunnels the route may hold open at once, over all
 * replicas; more get 503 with Retry-After. 0: no limit
 * @param limitRetryAfter What a handshake refused by a tunnel limit is told to wait
 * (Retry-After)
 */
@ConfigurationProperties("switchboard")
public record LimitSettings(@DefaultValue("0") int maxTunnelsPerClient, @DefaultValue("0") int maxTunnelsPerSubject,
		@DefaultValue("0") int maxTunnelsPerRoute, @DefaultValue("5s") Duration limitRetryAfter) {

	/** Whether any limit applies, before anything is counted. */
	public boolean any() {
		return this.maxTunnelsPerClient > 0 || this.maxTunnelsPerSubject > 0 || this.maxTunnelsPerRoute > 0;
	}

	/**
	 * Refuses negative limits, naming the property as the user spelled it.
	 * @param prefix what comes before {@code switchboard.} where the user wrote the value
	 */
	public void check(String prefix) {
		String p = prefix + "switchboard.";
		notNegative(p + "max-tunnels-per-client", this.maxTunnelsPerClient);
		notNegative(p + "max-tunnels-per-subject", this.maxTunnelsPerSubject);
		notNegative(p + "max-tunnels-per-route", this.maxTunnelsPerRoute);
		positive(p + "limit-retry-after", this.limitRetryAfter);
	}

	private static void notNegative(String property, int value) {
		if (value < 0) {
			throw new IllegalArgumentException(
					property + " (" + value + ") must be 0 (no limit) or a number of tunnels above 0");
		}
	}

}
