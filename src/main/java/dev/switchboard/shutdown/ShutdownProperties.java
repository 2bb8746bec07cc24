package dev.switchboard.shutdown;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

import dev.switchboard.config.InvalidSettingsException;

/**
 * How a gateway leaves: readiness off at once, still accepting for {@code accept-delay},
 * then no new connections, then its tunnels closed spread over {@code close-spread} so
 * their clients do not all reconnect in the same second.
 */
@ConfigurationProperties("switchboard.shutdown")
public class ShutdownProperties {

	/**
	 * How long the gateway keeps accepting connections after readiness turned false,
	 * while load balancers and Services remove it (replaces a preStop sleep).
	 */
	private Duration acceptDelay = Duration.ofSeconds(5);

	/**
	 * The window over which open tunnels are closed, evenly spread, so their clients
	 * reconnect gradually; 0 closes them all at once.
	 */
	private Duration closeSpread = Duration.ofSeconds(10);

	/**
	 * The close code clients get: 1012 (service restart: reconnect, the service is back
	 * soon) or 1001 (going away).
	 */
	private int closeCode = 1012;

	public Duration getAcceptDelay() {
		return this.acceptDelay;
	}

	public void setAcceptDelay(Duration acceptDelay) {
		this.acceptDelay = acceptDelay;
	}

	public Duration getCloseSpread() {
		return this.closeSpread;
	}

	public void setCloseSpread(Duration closeSpread) {
		this.closeSpread = closeSpread;
	}

	public int getCloseCode() {
		return this.closeCode;
	}

	public void setCloseCode(int closeCode) {
		this.closeCode = closeCode;
	}

	/** Refuses values that cannot work, naming the property. */
	void check() {
		if (this.closeCode != 1001 && this.closeCode != 1012) {
			throw new InvalidSettingsException("switchboard.shutdown.close-code must be 1012 (service restart) or 1001"
					+ " (going away), was " + this.closeCode, null);
		}
		if (this.acceptDelay.isNegative() || this.closeSpread.isNegative()) {
			throw new InvalidSettingsException(
					"switchboard.shutdown.accept-delay and close-spread must not be negative; use 0 to skip them",
					null);
		}
	}

	/** The reason clients read with the close code. */
	String closeReason() {
		return (this.closeCode == 1012) ? "service restart" : "gateway shutting down";
	}

}
