package dev.switchboard.redis;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How Switchboard uses Redis (sticky assignments, shared drains). Where Redis is stays
 * Spring Boot's {@code spring.data.redis.*}; these settings bound what the gateway waits
 * for and name its keys.
 */
@ConfigurationProperties("switchboard.redis")
public class SwitchboardRedisProperties {

	/**
	 * Longest wait for one Redis command; past it the request is routed without Redis.
	 * Lettuce's command timeout (replaces spring.data.redis.timeout).
	 */
	private Duration timeout = Duration.ofMillis(500);

	/** While Redis is unavailable, how often it is probed (PING) to return to it. */
	private Duration probeInterval = Duration.ofSeconds(1);

	/**
	 * Longest pause between Lettuce's reconnection attempts after Redis went away
	 * (Lettuce's own default: 30s).
	 */
	private Duration maxReconnectDelay = Duration.ofSeconds(1);

	/** Prefix of every key Switchboard writes. */
	private String keyPrefix = "switchboard";

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

	/**
	 * A key under the prefix: {@code key("sticky", "chat")} is
	 * {@code switchboard:sticky:chat}.
	 */
	public String key(String... parts) {
		return this.keyPrefix + ":" + String.join(":", parts);
	}

}
