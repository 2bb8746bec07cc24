package dev.switchboard.tunnel;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import static dev.switchboard.config.SettingChecks.notNegative;
import static dev.switchboard.config.SettingChecks.positive;

/**
 * How a route's tunnels run, from the {@code 101} to the close: {@code switchboard.*}
 * globally, and per route under {@code metadata.switchboard.*} with the same names (see
 * {@code RouteSettings}). A new setting is one component here, with its default and
 * javadoc.
 *
 * @param maxMessageSize Largest WebSocket message (all its fragments together) relayed in
 * either direction; a larger one is refused with close code 1009
 * @param closeTimeout How long the gateway waits for a peer to answer a close frame
 * before it closes the TCP connection itself; also the grace period for closing tunnels
 * at shutdown
 * @param heartbeatInterval Silence from one side of a tunnel after which the gateway
 * pings it, keeping NATs and load balancers warm and finding dead peers; 0 disables
 * heartbeats
 * @param heartbeatTimeout How long a pinged side has to send anything (a pong or any
 * frame) before it is declared dead
 * @param idleTimeout Time without a data frame (text or binary) in either direction after
 * which a tunnel is closed with 1001 "idle timeout"; 0 disables; heartbeats do not count
 * as activity
 * @param maxLifetime Age at which a tunnel is closed with 1001 "max lifetime", to force
 * periodic reconnects; 0 means no limit
 * @param answerPings Answer the peers' own pings at the gateway instead of relaying them
 * to the other side
 * @param frameTimeout Longest time a frame, or a fragmented message, may take to arrive
 * once it started; a side that takes longer is closed with 1008 "frame timeout" (a
 * slowloris at the frame level); 0 disables
 * @param slowConsumerTimeout Longest time a side may take no bytes at all while the other
 * side has more for it (its send buffer stays full); past it that side's connection is
 * closed with 1008 "slow consumer" and the other side gets 1001. The gateway's memory is
 * bounded either way (it stops reading from the sender); this frees the tunnel and the
 * sender. 0 disables
 * @param maxBufferedBytes Most bytes the gateway queues for one side of a tunnel that
 * does not read fast enough; past it the gateway stops reading from the other side, so
 * TCP slows the sender down instead of the gateway's memory growing. Resumes below half
 * of it
 * @param maxMessagesPerSecond Most messages one side of a tunnel may send per second,
 * each direction counted on its own: a message counts once, at its first frame, and so
 * does each ping or pong; close frames never count. A side over it (beyond the burst
 * allowance) gets 1008 "rate limit" and its connection is closed; the other side gets
 * 1001. 0 disables
 * @param maxBytesPerSecond Most payload bytes (as max-message-size counts them) one side
 * of a tunnel may send per second, each direction counted on its own, pings and pongs
 * included, close frames not. A side over it (beyond the burst allowance) gets 1008 "rate
 * limit" and its connection is closed; the other side gets 1001. 0 disables
 * @param rateLimitBurst How far a side may run ahead of max-messages-per-second and
 * max-bytes-per-second: it may send this long's worth of the rate at once, and has that
 * allowance back after this long without sending; over any period T it sends at most rate
 * times (T + burst)
 * @param onRemoval What happens to open tunnels of a route that a new configuration
 * removes: keep (they run on as they were), drain (closed with 1001 spread over
 * on-removal-window) or close (closed with 1001 at once)
 * @param onRemovalWindow With on-removal drain, the window the closes are spread over
 */
@ConfigurationProperties("switchboard")
public record TunnelSettings(@DefaultValue("16MB") DataSize maxMessageSize, @DefaultValue("5s") Duration closeTimeout,
		@DefaultValue("30s") Duration heartbeatInterval, @DefaultValue("10s") Duration heartbeatTimeout,
		@DefaultValue("1h") Duration idleTimeout, @DefaultValue("0") Duration maxLifetime,
		@DefaultValue("false") boolean answerPings, @DefaultValue("30s") Duration frameTimeout,
		@DefaultValue("60s") Duration slowConsumerTimeout, @DefaultValue("4MB") DataSize maxBufferedBytes,
		@DefaultValue("0") int maxMessagesPerSecond, @DefaultValue("0") DataSize maxBytesPerSecond,
		@DefaultValue("1s") Duration rateLimitBurst, @DefaultValue("keep") OnRemoval onRemoval,
		@DefaultValue("30s") Duration onRemovalWindow) {

	/**
	 * How far below the edge's idle timeout the heartbeat interval must stay: room for
	 * jitter and a round trip.
	 */
	static final double EDGE_MARGIN = 0.75;

	/** The smallest max-buffered-bytes: about one socket read. */
	static final long MIN_BUFFERED_BYTES = 16 * 1024;

	public boolean heartbeatsEnabled() {
		return !this.heartbeatInterval.isZero();
	}

	/**
	 * Refuses values that cannot work, naming the properties and the fix, instead of
	 * letting them show up in production as tunnels cut at random.
	 * @param prefix what comes before {@code switchboard.} where the user wrote the value
	 * ({@code ""} or {@code metadata.})
	 */
	public void check(String prefix) {
		String p = prefix + "switchboard.";
		positive(p + "max-message-size", this.maxMessageSize);
		positive(p + "close-timeout", this.closeTimeout);
		notNegative(p + "heartbeat-interval", this.heartbeatInterval);
		notNegative(p + "idle-timeout", this.idleTimeout);
		notNegative(p + "max-lifetime", this.maxLifetime);
		notNegative(p + "frame-timeout", this.frameTimeout);
		notNegative(p + "slow-consumer-timeout", this.slowConsumerTimeout);
		if (this.maxBufferedBytes.toBytes() < MIN_BUFFERED_BYTES) {
			throw new IllegalArgumentException(p + "max-buffered-bytes (" + this.maxBufferedBytes
					+ ") must be at least 16KB: below one socket read, every read would stop the other side");
		}
		notNegative(p + "on-removal-window", this.onRemovalWindow);
		checkRateLimits(p);
		if (!heartbeatsEnabled()) {
			return;
		}
		if (this.heartbeatTimeout.isNegative() || this.heartbeatTimeout.isZero()
				|| this.heartbeatTimeout.compareTo(this.heartbeatInterval) >= 0) {
			throw new IllegalArgumentException(p + "heartbeat-timeout (" + this.heartbeatTimeout
					+ ") must be greater than zero and shorter than " + p + "heartbeat-interval ("
					+ this.heartbeatInterval + "): a peer must be able to answer one ping before the next is due."
					+ " Lower heartbeat-timeout or raise heartbeat-interval");
		}
		if (!this.idleTimeout.isZero() && this.heartbeatInterval.compareTo(this.idleTimeout) >= 0) {
			throw new IllegalArgumentException(p + "heartbeat-interval (" + this.heartbeatInterval
					+ ") must be shorter than " + p + "idle-timeout (" + this.idleTimeout
					+ "), or heartbeats could never keep a quiet tunnel's peers checked before it is closed."
					+ " Lower heartbeat-interval or raise idle-timeout");
		}
	}

	/**
	 * The burst allowance must hold one message, and one message of the largest size
	 * allowed: a side could never send it otherwise.
	 */
	private void checkRateLimits(String p) {
		notNegative(p + "max-messages-per-second", this.maxMessagesPerSecond);
		notNegative(p + "max-bytes-per-second", this.maxBytesPerSecond);
		positive(p + "rate-limit-burst", this.rateLimitBurst);
		if (this.maxMessagesPerSecond > 0 && TokenBucket.capacity(this.maxMessagesPerSecond, this.rateLimitBurst) < 1) {
			throw new IllegalArgumentException(
					p + "max-messages-per-second (" + this.maxMessagesPerSecond + ") times " + p + "rate-limit-burst ("
							+ this.rateLimitBurst + ") must allow at least one message, or no message could ever pass."
							+ " Raise rate-limit-burst or max-messages-per-second");
		}
		long bytes = this.maxBytesPerSecond.toBytes();
		if (bytes > 0 && TokenBucket.capacity(bytes, this.rateLimitBurst) < this.maxMessageSize.toBytes()) {
			throw new IllegalArgumentException(p + "max-bytes-per-second (" + bytes + " bytes) times " + p
					+ "rate-limit-burst (" + this.rateLimitBurst + ") must be at least " + p + "max-message-size ("
					+ this.maxMessageSize.toBytes()
					+ " bytes), or a message of the largest size allowed could never pass."
					+ " Raise max-bytes-per-second or rate-limit-burst, or lower max-message-size");
		}
	}

	/**
	 * The heartbeat must cross the load balancer in front before its idle timeout cuts a
	 * quiet tunnel.
	 * @param edgeIdleTimeout {@code switchboard.edge-idle-timeout}, or null when unknown
	 */
	public void checkAgainstEdge(String prefix, Duration edgeIdleTimeout) {
		if (edgeIdleTimeout != null && heartbeatsEnabled()
				&& this.heartbeatInterval.toMillis() > edgeIdleTimeout.toMillis() * EDGE_MARGIN) {
			throw new IllegalArgumentException(prefix + "switchboard.heartbeat-interval (" + this.heartbeatInterval
					+ ") must be at most 75% of switchboard.edge-idle-timeout (" + edgeIdleTimeout
					+ "): the load balancer in front would cut quiet tunnels before a ping crosses it."
					+ " Lower heartbeat-interval, or raise the idle timeout of the load balancer or ingress"
					+ " (see README, Operations)");
		}
	}

	/** What happens to a removed route's open tunnels. */
	public enum OnRemoval {

		/** They run on with the settings they started with. */
		KEEP,

		/** Closed with 1001, spread over on-removal-window. */
		DRAIN,

		/** Closed with 1001 at once. */
		CLOSE

	}

}
