package dev.switchboard.tunnel;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rate limits' arithmetic, driven with explicit {@code nanoTime} values (no clock, no
 * sleep), each rule checked at its exact edge: the nanosecond before a token is back, and
 * the nanosecond it is.
 */
class TokenBucketTest {

	/** An arbitrary start, not zero. */
	static final long T0 = 1_000_000_000L;

	static final long SECOND = TimeUnit.SECONDS.toNanos(1);

	@Test
	void aFullBucketGivesItsWholeBurstAtOnceAndNotOneMore() {
		TokenBucket bucket = new TokenBucket(10, Duration.ofSeconds(1), T0);
		for (int i = 0; i < 10; i++) {
			assertThat(bucket.take(1, T0)).as("token %d", i + 1).isTrue();
		}
		assertThat(bucket.take(1, T0)).isFalse();
	}

	@Test
	void theBurstIsThatLongsWorthOfTheRate() {
		TokenBucket bucket = new TokenBucket(10, Duration.ofMillis(2500), T0);
		assertThat(bucket.take(25, T0)).isTrue();
		assertThat(bucket.take(1, T0)).isFalse();
		assertThat(TokenBucket.capacity(10, Duration.ofMillis(2500))).isEqualTo(25);
	}

	@Test
	void anEmptiedBucketGetsATokenBackAfterOneOverTheRateAndNotANanosecondSooner() {
		TokenBucket bucket = new TokenBucket(10, Duration.ofSeconds(1), T0);
		assertThat(bucket.take(10, T0)).isTrue();
		long tenth = SECOND / 10;
		assertThat(bucket.take(1, T0 + tenth - 1)).isFalse();
		assertThat(bucket.take(1, T0 + tenth)).isTrue();
		assertThat(bucket.take(1, T0 + tenth)).isFalse();
	}

	@Test
	void fractionsOfATokenAccrueExactly() {
		// 3 per second: a token every 333,333,333.3 ns.
		TokenBucket bucket = new TokenBucket(3, Duration.ofSeconds(1), T0);
		assertThat(bucket.take(3, T0)).isTrue();
		assertThat(bucket.take(1, T0 + 333_333_333)).isFalse();
		assertThat(bucket.take(1, T0 + 333_333_334)).isTrue();
		// The two thirds of a nanosecond's worth left over are kept: the third token is
		// back at exactly one second.
		assertThat(bucket.take(2, T0 + SECOND - 1)).isFalse();
		assertThat(bucket.take(2, T0 + SECOND)).isTrue();
	}

	@Test
	void aSideSendingExactlyAtTheRateIsNeverRefused() {
		TokenBucket bucket = new TokenBucket(100, Duration.ofSeconds(1), T0);
		assertThat(bucket.take(100, T0)).as("the burst spent first").isTrue();
		long interval = SECOND / 100;
		for (int i = 1; i <= 100_000; i++) {
			assertThat(bucket.take(1, T0 + i * interval)).as("message %d", i).isTrue();
		}
	}

	@Test
	void aSideSendingJustOverTheRateIsRefusedOnceItsBurstIsSpent() {
		TokenBucket bucket = new TokenBucket(100, Duration.ofSeconds(1), T0);
		long interval = SECOND / 100 - SECOND / 10_000;
		int sent = 0;
		while (bucket.take(1, T0 + sent * interval)) {
			sent++;
		}
		// 1% fast: the burst of 100 lasts about 100 s (10,000 messages), not for ever.
		assertThat(sent).isBetween(9_900, 10_100);
	}

	@Test
	void aLongSilenceRefillsToTheBurstAndNoFurther() {
		TokenBucket bucket = new TokenBucket(10, Duration.ofSeconds(1), T0);
		assertThat(bucket.take(10, T0)).isTrue();
		long later = T0 + TimeUnit.DAYS.toNanos(365);
		assertThat(bucket.take(10, later)).isTrue();
		assertThat(bucket.take(1, later)).isFalse();
	}

	@Test
	void aRefusedTakeTakesNothing() {
		TokenBucket bucket = new TokenBucket(1000, Duration.ofSeconds(1), T0);
		assertThat(bucket.take(1001, T0)).isFalse();
		assertThat(bucket.take(1000, T0)).isTrue();
	}

	@Test
	void anEmptyFrameAlwaysPasses() {
		TokenBucket bucket = new TokenBucket(1000, Duration.ofSeconds(1), T0);
		assertThat(bucket.take(1000, T0)).isTrue();
		assertThat(bucket.take(0, T0)).isTrue();
	}

	/**
	 * {@code nanoTime} may start anywhere, close to {@code Long.MAX_VALUE} too: only
	 * differences count.
	 */
	@Test
	void refillsAcrossTheNanoTimeOverflow() {
		long t0 = Long.MAX_VALUE - SECOND / 20;
		TokenBucket bucket = new TokenBucket(10, Duration.ofSeconds(1), t0);
		assertThat(bucket.take(10, t0)).isTrue();
		long tenthLater = t0 + SECOND / 10;
		assertThat(tenthLater).as("wrapped").isNegative();
		assertThat(bucket.take(1, tenthLater - 1)).isFalse();
		assertThat(bucket.take(1, tenthLater)).isTrue();
	}

	@Test
	void hugeRatesAndBurstsSaturateInsteadOfOverflowing() {
		long terabyte = DataSize.ofTerabytes(1).toBytes();
		TokenBucket bucket = new TokenBucket(terabyte, Duration.ofHours(1), T0);
		assertThat(bucket.take(DataSize.ofGigabytes(1).toBytes(), T0)).isTrue();
		assertThat(bucket.take(DataSize.ofGigabytes(1).toBytes(), T0 + TimeUnit.DAYS.toNanos(10))).isTrue();
		assertThat(bucket.take(Long.MAX_VALUE, T0)).isFalse();
		assertThat(TokenBucket.capacity(terabyte, Duration.ofHours(1))).isPositive();
	}

	// Per side: which frames count

	static TunnelSettings limits(int messagesPerSecond, long bytesPerSecond, Duration burst) {
		return new TunnelSettings(DataSize.ofMegabytes(16), Duration.ofSeconds(5), Duration.ofSeconds(30),
				Duration.ofSeconds(10), Duration.ofHours(1), Duration.ZERO, false, Duration.ZERO, Duration.ZERO,
				DataSize.ofMegabytes(4), messagesPerSecond, DataSize.ofBytes(bytesPerSecond), burst,
				TunnelSettings.OnRemoval.KEEP, Duration.ZERO);
	}

	@Test
	void withBothLimitsOffThereIsNoLimitAtAll() {
		assertThat(RateLimit.of(limits(0, 0, Duration.ofSeconds(1)), T0)).isNull();
	}

	@Test
	void messagesAndBytesAreLimitedApartAndNamedWhenExceeded() {
		RateLimit limit = RateLimit.of(limits(2, 100, Duration.ofSeconds(1)), T0);
		assertThat(limit.exceeded(true, 10, T0)).isNull();
		assertThat(limit.exceeded(false, 80, T0)).as("a continuation: bytes only").isNull();
		assertThat(limit.exceeded(false, 11, T0)).isEqualTo(RateLimit.BYTES);
		assertThat(limit.exceeded(true, 10, T0)).as("a second message, 10 bytes left").isNull();
		assertThat(limit.exceeded(true, 0, T0)).isEqualTo(RateLimit.MESSAGES);
	}

	@Test
	void aMessageLimitAloneLetsAnyNumberOfBytesThrough() {
		RateLimit limit = RateLimit.of(limits(1, 0, Duration.ofSeconds(1)), T0);
		assertThat(limit.exceeded(true, Long.MAX_VALUE / 2, T0)).isNull();
		assertThat(limit.exceeded(false, Long.MAX_VALUE / 2, T0)).isNull();
		assertThat(limit.exceeded(true, 0, T0)).isEqualTo(RateLimit.MESSAGES);
	}

}
