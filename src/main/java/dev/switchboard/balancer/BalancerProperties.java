package dev.switchboard.balancer;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** How {@code lb://} routes treat their instances: passive health and draining. */
@ConfigurationProperties("switchboard.balancer")
public class BalancerProperties {

	/**
	 * How long an instance that refused a connection is left out of every choice (passive
	 * health).
	 */
	private Duration ejectionPeriod = Duration.ofSeconds(10);

	/**
	 * How long tunnels to an instance marked draining stay open before they are closed
	 * with 1001.
	 */
	private Duration drainGracePeriod = Duration.ofSeconds(30);

	/** How often each replica reads the shared list of draining instances from Redis. */
	private Duration drainSyncInterval = Duration.ofSeconds(1);

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

}
