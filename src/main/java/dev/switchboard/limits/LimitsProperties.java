package dev.switchboard.limits;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

import dev.switchboard.config.InvalidSettingsException;

/**
 * How replicas share their tunnel counts through Redis. Each replica keeps its own count
 * per limit in Redis and refreshes it every {@code heartbeat-interval}; a replica that
 * stops (crash, SIGKILL, network partition) gives its slots back once its count is older
 * than {@code replica-timeout}.
 */
@ConfigurationProperties("switchboard.limits")
public class LimitsProperties {

	/**
	 * How often a replica writes its tunnel counts to Redis (also how soon it notices
	 * Redis is back after an outage).
	 */
	private Duration heartbeatInterval = Duration.ofSeconds(5);

	/**
	 * Age after which a replica's counts no longer count: the longest a crashed replica's
	 * tunnels keep their slots. At least twice heartbeat-interval.
	 */
	private Duration replicaTimeout = Duration.ofSeconds(15);

	public Duration getHeartbeatInterval() {
		return this.heartbeatInterval;
	}

	public void setHeartbeatInterval(Duration heartbeatInterval) {
		this.heartbeatInterval = heartbeatInterval;
	}

	public Duration getReplicaTimeout() {
		return this.replicaTimeout;
	}

	public void setReplicaTimeout(Duration replicaTimeout) {
		this.replicaTimeout = replicaTimeout;
	}

	void check() {
		if (this.heartbeatInterval.isNegative() || this.heartbeatInterval.isZero()) {
			throw new InvalidSettingsException(
					"switchboard.limits.heartbeat-interval (" + this.heartbeatInterval + ") must be greater than zero",
					null);
		}
		if (this.replicaTimeout.compareTo(this.heartbeatInterval.multipliedBy(2)) < 0) {
			throw new InvalidSettingsException("switchboard.limits.replica-timeout (" + this.replicaTimeout
					+ ") must be at least twice switchboard.limits.heartbeat-interval (" + this.heartbeatInterval
					+ "), or a live replica's tunnels would stop counting between two heartbeats."
					+ " Raise replica-timeout or lower heartbeat-interval", null);
		}
	}

}
