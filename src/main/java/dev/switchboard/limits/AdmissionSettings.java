package dev.switchboard.limits;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import dev.switchboard.config.InvalidSettingsException;

import static dev.switchboard.config.SettingChecks.positive;

/**
 * How many WebSocket handshakes the gateway works on at once before it sheds more:
 * {@code switchboard.*} globally, and per route under {@code metadata.switchboard.*} with
 * the same names.
 *
 * @param maxHandshakesInFlight Most handshakes this gateway replica works on at once
 * (from the request to the backend's answer), counted over all routes; a handshake that
 * arrives beyond a route's value gets 503 with Retry-After at once instead of queueing
 * until its client times out. A lower value on a route sheds that route first. Unset: 128
 * per available processor
 * @param overloadRetryAfter What a shed handshake is told to wait (Retry-After), spread
 * by up to as much again at random so shed clients do not come back in step
 */
@ConfigurationProperties("switchboard")
public record AdmissionSettings(Integer maxHandshakesInFlight, @DefaultValue("1s") Duration overloadRetryAfter) {

	/** The default of {@code max-handshakes-in-flight}, per available processor. */
	static final int PER_PROCESSOR = 128;

	/** The effective limit. */
	public int limit() {
		return (this.maxHandshakesInFlight != null) ? this.maxHandshakesInFlight
				: PER_PROCESSOR * Runtime.getRuntime().availableProcessors();
	}

	/**
	 * Refuses values that would shed everything.
	 * @param prefix what comes before {@code switchboard.} where the user wrote the value
	 */
	public void check(String prefix) {
		String p = prefix + "switchboard.";
		if (this.maxHandshakesInFlight != null && this.maxHandshakesInFlight < 1) {
			throw new InvalidSettingsException(p + "max-handshakes-in-flight (" + this.maxHandshakesInFlight
					+ ") must be at least 1: 0 would refuse every handshake. Leave it unset for the default ("
					+ PER_PROCESSOR + " per processor)", null);
		}
		positive(p + "overload-retry-after", this.overloadRetryAfter);
	}

}
