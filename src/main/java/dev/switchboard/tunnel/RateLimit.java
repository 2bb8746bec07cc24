package dev.switchboard.tunnel;

/**
 * What one side of a tunnel may send: {@code max-messages-per-second} and
 * {@code max-bytes-per-second}, each a {@link TokenBucket} holding
 * {@code rate-limit-burst} worth of its rate. Asked at each frame header, before any byte
 * of the frame leaves. A message counts once, at its first frame; pings and pongs count
 * as messages too (each costs the other side, or the gateway, an answer); close frames
 * never count, so a side can always end its tunnel. Bytes are payload bytes (as
 * {@code max-message-size} counts them), of every frame but close frames.
 */
final class RateLimit {

	static final String MESSAGES = "max-messages-per-second";

	static final String BYTES = "max-bytes-per-second";

	/** Null when off. */
	private final TokenBucket messages;

	/** Null when off. */
	private final TokenBucket bytes;

	private RateLimit(TokenBucket messages, TokenBucket bytes) {
		this.messages = messages;
		this.bytes = bytes;
	}

	/**
	 * The limit of one side, starting with full buckets, or null when both limits are
	 * off: then the scanner pays one null check per frame.
	 */
	static RateLimit of(TunnelSettings settings, long now) {
		long messageRate = settings.maxMessagesPerSecond();
		long byteRate = settings.maxBytesPerSecond().toBytes();
		if (messageRate <= 0 && byteRate <= 0) {
			return null;
		}
		return new RateLimit((messageRate > 0) ? new TokenBucket(messageRate, settings.rateLimitBurst(), now) : null,
				(byteRate > 0) ? new TokenBucket(byteRate, settings.rateLimitBurst(), now) : null);
	}

	/**
	 * Charges a frame to the side that sent it.
	 * @param message whether the frame counts as a message
	 * @param payloadLength its payload length
	 * @return null when it may pass, else the setting it exceeds ({@link #MESSAGES} or
	 * {@link #BYTES})
	 */
	String exceeded(boolean message, long payloadLength, long now) {
		if (message && this.messages != null && !this.messages.take(1, now)) {
			return MESSAGES;
		}
		if (this.bytes != null && !this.bytes.take(payloadLength, now)) {
			return BYTES;
		}
		return null;
	}

}
