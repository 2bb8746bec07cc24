package dev.switchboard.tunnel;

import java.time.Duration;

/**
 * A token bucket driven by {@code System.nanoTime()} values: it refills at a whole number
 * of tokens per second and holds at most a burst's worth ({@code rate * burst}); it
 * starts full. Tokens are counted in billionths so that a refill over any number of
 * nanoseconds is exact, in integers: no rounding drift, and no timer (it refills when it
 * is next asked). Pure: it reads no clock. Not thread-safe; a tunnel's side uses it from
 * its event loop only.
 */
final class TokenBucket {

	/** Billionths of a token per token (and nanoseconds per second). */
	static final long SCALE = 1_000_000_000L;

	private final long rate;

	/** In billionths of a token; {@link Long#MAX_VALUE} when the product overflows. */
	private final long capacity;

	/** In billionths of a token. */
	private long level;

	private long refilledAt;

	/**
	 * A full bucket.
	 * @param rate tokens per second, greater than zero
	 * @param burst how many seconds' worth of the rate the bucket holds
	 * @param now the current {@code nanoTime}
	 */
	TokenBucket(long rate, Duration burst, long now) {
		this.rate = rate;
		this.capacity = scaledCapacity(rate, burst);
		this.level = this.capacity;
		this.refilledAt = now;
	}

	/**
	 * The whole tokens a full bucket holds: the most a side may take at once.
	 */
	static long capacity(long rate, Duration burst) {
		return scaledCapacity(rate, burst) / SCALE;
	}

	private static long scaledCapacity(long rate, Duration burst) {
		long burstNanos = burst.toNanos();
		return (burstNanos > Long.MAX_VALUE / rate) ? Long.MAX_VALUE : rate * burstNanos;
	}

	/**
	 * Takes {@code tokens} if the bucket holds them at {@code now}.
	 * @return false, and nothing taken, when it does not
	 */
	boolean take(long tokens, long now) {
		long elapsed = now - this.refilledAt;
		if (elapsed > 0) {
			this.refilledAt = now;
			long room = this.capacity - this.level;
			// elapsed * rate could overflow: compare first, multiply only when it fits.
			this.level = (elapsed > room / this.rate) ? this.capacity : this.level + elapsed * this.rate;
		}
		if (tokens > this.level / SCALE) {
			return false;
		}
		this.level -= tokens * SCALE;
		return true;
	}

}
