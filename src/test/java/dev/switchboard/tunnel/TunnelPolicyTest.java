package dev.switchboard.tunnel;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.util.unit.DataSize;

import dev.switchboard.tunnel.TunnelPolicy.Due;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tunnel's timing rules, driven with explicit {@code nanoTime} values: no clock, no
 * sleep, so each rule is checked at its exact edge (one nanosecond before it fires, and
 * the nanosecond it does). The settings are valid ones (timeout shorter than the
 * interval, interval shorter than the idle timeout), so the scenarios are ones a real
 * tunnel can meet.
 */
class TunnelPolicyTest {

	/**
	 * An arbitrary start: not zero, so a rule that confused absolute times with durations
	 * shows.
	 */
	static final long T0 = 1_000_000_000L;

	static final Duration INTERVAL = Duration.ofSeconds(30);

	static final Duration TIMEOUT = Duration.ofSeconds(10);

	static final Duration IDLE = Duration.ofMinutes(2);

	static final Duration LIFETIME = Duration.ofMinutes(10);

	static final Due PING_BOTH = new Due(null, false, true, true);

	static TunnelPolicy policy(Duration interval, Duration timeout, Duration idle, Duration lifetime) {
		return new TunnelPolicy(new TunnelSettings(DataSize.ofMegabytes(16), Duration.ofSeconds(5), interval, timeout,
				idle, lifetime, false, Duration.ZERO, Duration.ZERO, DataSize.ofMegabytes(4), 0, DataSize.ofBytes(0),
				Duration.ofSeconds(1), TunnelSettings.OnRemoval.KEEP, Duration.ZERO), T0);
	}

	static TunnelPolicy heartbeatsOnly() {
		return policy(INTERVAL, TIMEOUT, Duration.ZERO, Duration.ZERO);
	}

	static TunnelPolicy everything() {
		return policy(INTERVAL, TIMEOUT, IDLE, LIFETIME);
	}

	/** {@code T0} plus that many seconds, in nanos. */
	static long at(long seconds) {
		return T0 + TimeUnit.SECONDS.toNanos(seconds);
	}

	static Due closing(GatewayCloseReason reason) {
		return new Due(reason, false, false, false);
	}

	static Due dead(boolean client) {
		return new Due(GatewayCloseReason.DEAD_PEER, client, false, false);
	}

	static void heardBoth(TunnelPolicy policy, long now) {
		policy.heard(true, now);
		policy.heard(false, now);
	}

	// Heartbeat pings

	@Test
	void aQuietSideIsPingedAfterTheHeartbeatInterval() {
		TunnelPolicy policy = heartbeatsOnly();
		assertThat(policy.due(at(30))).isEqualTo(PING_BOTH);
	}

	@Test
	void noPingIsDueBeforeTheHeartbeatInterval() {
		TunnelPolicy policy = heartbeatsOnly();
		assertThat(policy.due(at(30) - 1)).isEqualTo(TunnelPolicy.NOTHING);
	}

	@Test
	void aSideHeardDuringTheIntervalIsPingedOnlyAnIntervalAfterItWasHeard() {
		TunnelPolicy policy = heartbeatsOnly();
		policy.heard(true, at(20));
		assertThat(policy.due(at(30))).isEqualTo(new Due(null, false, false, true));
		policy.heard(false, at(31));
		assertThat(policy.due(at(50) - 1)).isEqualTo(TunnelPolicy.NOTHING);
		assertThat(policy.due(at(50))).isEqualTo(new Due(null, false, true, false));
	}

	@Test
	void aPingCountedAsSentIsNotAskedForAgainUntilAnswered() {
		TunnelPolicy policy = heartbeatsOnly();
		assertThat(policy.due(at(30))).isEqualTo(PING_BOTH);
		// The timer may run again at the same instant, or just before the timeout: no
		// second ping.
		assertThat(policy.due(at(30))).isEqualTo(TunnelPolicy.NOTHING);
		assertThat(policy.due(at(40) - 1)).isEqualTo(TunnelPolicy.NOTHING);
	}

	@Test
	void anAnsweredPingLetsTheNextOneComeAnIntervalAfterTheAnswer() {
		TunnelPolicy policy = heartbeatsOnly();
		assertThat(policy.due(at(30))).isEqualTo(PING_BOTH);
		heardBoth(policy, at(35));
		assertThat(policy.due(at(65) - 1)).isEqualTo(TunnelPolicy.NOTHING);
		assertThat(policy.due(at(65))).isEqualTo(PING_BOTH);
	}

	// Dead peers

	@Test
	void aPingedSideSilentForTheHeartbeatTimeoutIsDead() {
		TunnelPolicy policy = heartbeatsOnly();
		assertThat(policy.due(at(30))).isEqualTo(PING_BOTH);
		policy.heard(false, at(31));
		assertThat(policy.due(at(40))).isEqualTo(dead(true));
	}

	@Test
	void aPingedSideIsNotDeadBeforeTheHeartbeatTimeout() {
		TunnelPolicy policy = heartbeatsOnly();
		assertThat(policy.due(at(30))).isEqualTo(PING_BOTH);
		assertThat(policy.due(at(40) - 1)).isEqualTo(TunnelPolicy.NOTHING);
	}

	@Test
	void aSideHeardAfterItsPingIsNotDead() {
		TunnelPolicy policy = heartbeatsOnly();
		assertThat(policy.due(at(30))).isEqualTo(PING_BOTH);
		// Any frame counts as the answer, even one heard the nanosecond before the
		// timeout.
		heardBoth(policy, at(40) - 1);
		assertThat(policy.due(at(40))).isEqualTo(TunnelPolicy.NOTHING);
		assertThat(policy.due(at(70) - 1)).isEqualTo(PING_BOTH);
	}

	@Test
	void aSilentBackendIsReportedAsTheDeadSide() {
		TunnelPolicy policy = heartbeatsOnly();
		assertThat(policy.due(at(30))).isEqualTo(PING_BOTH);
		policy.heard(true, at(31));
		assertThat(policy.due(at(40))).isEqualTo(dead(false));
	}

	@Test
	void whenBothSidesAreSilentTheClientIsReportedFirst() {
		TunnelPolicy policy = heartbeatsOnly();
		assertThat(policy.due(at(30))).isEqualTo(PING_BOTH);
		assertThat(policy.due(at(40))).isEqualTo(dead(true));
	}

	@Test
	void aSideHeardWithoutBeingPingedIsNeverDead() {
		TunnelPolicy policy = heartbeatsOnly();
		for (int second = 20; second <= 600; second += 20) {
			heardBoth(policy, at(second));
			assertThat(policy.due(at(second))).isEqualTo(TunnelPolicy.NOTHING);
		}
	}

	// Idle timeout

	@Test
	void idleTimeoutClosesAfterItsDuration() {
		TunnelPolicy policy = policy(Duration.ZERO, Duration.ZERO, IDLE, Duration.ZERO);
		assertThat(policy.due(at(120) - 1)).isEqualTo(TunnelPolicy.NOTHING);
		assertThat(policy.due(at(120))).isEqualTo(closing(GatewayCloseReason.IDLE_TIMEOUT));
	}

	@Test
	void dataBeforeTheIdleTimeoutKeepsTheTunnelOpen() {
		TunnelPolicy policy = policy(Duration.ZERO, Duration.ZERO, IDLE, Duration.ZERO);
		policy.data(at(60));
		assertThat(policy.due(at(120))).isEqualTo(TunnelPolicy.NOTHING);
		assertThat(policy.due(at(180) - 1)).isEqualTo(TunnelPolicy.NOTHING);
		assertThat(policy.due(at(180))).isEqualTo(closing(GatewayCloseReason.IDLE_TIMEOUT));
	}

	@Test
	void answeredPingsAloneDoNotKeepAnIdleTunnelOpen() {
		TunnelPolicy policy = policy(INTERVAL, TIMEOUT, IDLE, Duration.ZERO);
		// Pinged at 30 s, 61 s and 92 s, each answered a second later.
		for (int second = 30; second < 120; second += 31) {
			assertThat(policy.due(at(second))).isEqualTo(PING_BOTH);
			heardBoth(policy, at(second + 1));
		}
		assertThat(policy.due(at(120))).isEqualTo(closing(GatewayCloseReason.IDLE_TIMEOUT));
	}

	@Test
	void aZeroIdleTimeoutNeverClosesAQuietTunnel() {
		TunnelPolicy policy = policy(Duration.ZERO, Duration.ZERO, Duration.ZERO, LIFETIME);
		assertThat(policy.due(at(599))).isEqualTo(TunnelPolicy.NOTHING);
	}

	// Max lifetime

	@Test
	void maxLifetimeEndsEvenABusyTunnel() {
		TunnelPolicy policy = everything();
		for (int second = 20; second < 600; second += 20) {
			policy.data(at(second));
			heardBoth(policy, at(second));
		}
		assertThat(policy.due(at(600))).isEqualTo(closing(GatewayCloseReason.MAX_LIFETIME));
	}

	@Test
	void aTunnelYoungerThanItsMaxLifetimeIsNotEnded() {
		TunnelPolicy policy = policy(Duration.ZERO, Duration.ZERO, Duration.ZERO, LIFETIME);
		assertThat(policy.due(at(600) - 1)).isEqualTo(TunnelPolicy.NOTHING);
	}

	@Test
	void aZeroMaxLifetimeNeverEndsATunnel() {
		TunnelPolicy policy = policy(Duration.ZERO, Duration.ZERO, IDLE, Duration.ZERO);
		long year = TimeUnit.DAYS.toSeconds(365);
		for (long second = 60; second < year; second += 60) {
			policy.data(at(second));
		}
		assertThat(policy.due(at(year))).isEqualTo(TunnelPolicy.NOTHING);
	}

	// Order and zero

	@Test
	void whenSeveralRulesAreDueTheLifetimeComesFirstThenTheIdleTimeoutThenTheDeadPeer() {
		TunnelPolicy policy = policy(INTERVAL, TIMEOUT, Duration.ofSeconds(40), Duration.ofSeconds(40));
		assertThat(policy.due(at(30))).isEqualTo(PING_BOTH);
		assertThat(policy.due(at(40))).isEqualTo(closing(GatewayCloseReason.MAX_LIFETIME));

		policy = policy(INTERVAL, TIMEOUT, Duration.ofSeconds(40), Duration.ZERO);
		assertThat(policy.due(at(30))).isEqualTo(PING_BOTH);
		assertThat(policy.due(at(40))).isEqualTo(closing(GatewayCloseReason.IDLE_TIMEOUT));
	}

	@Test
	void aZeroHeartbeatIntervalSendsNoPingsAndDeclaresNobodyDead() {
		TunnelPolicy policy = policy(Duration.ZERO, TIMEOUT, Duration.ZERO, Duration.ZERO);
		assertThat(policy.due(at(30))).isEqualTo(TunnelPolicy.NOTHING);
		assertThat(policy.due(at(3600))).isEqualTo(TunnelPolicy.NOTHING);
		assertThat(policy.nextDelay(T0)).isEqualTo(Long.MAX_VALUE);
	}

	@Test
	void withEverythingOffNothingIsEverDue() {
		TunnelPolicy policy = policy(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);
		assertThat(policy.nextDelay(T0)).isEqualTo(Long.MAX_VALUE);
		assertThat(policy.due(at(TimeUnit.DAYS.toSeconds(1000)))).isEqualTo(TunnelPolicy.NOTHING);
		policy.data(at(10));
		heardBoth(policy, at(10));
		assertThat(policy.nextDelay(T0)).isEqualTo(Long.MAX_VALUE);
	}

	// The next deadline

	@Test
	void nextDeadlineIsTheFirstHeartbeatOnAFreshTunnel() {
		assertThat(deadline(everything())).isEqualTo(at(30));
	}

	@Test
	void nextDeadlineFollowsTheSideHeardLongestAgo() {
		TunnelPolicy policy = everything();
		policy.heard(true, at(10));
		policy.heard(false, at(5));
		assertThat(deadline(policy)).isEqualTo(at(35));
	}

	@Test
	void nextDeadlineIsThePingTimeoutWhileAPingIsOutstanding() {
		TunnelPolicy policy = everything();
		assertThat(policy.due(at(30))).isEqualTo(PING_BOTH);
		assertThat(deadline(policy)).isEqualTo(at(40));
		// The client answered; the backend's outstanding ping still comes first.
		policy.heard(true, at(32));
		assertThat(deadline(policy)).isEqualTo(at(40));
		policy.heard(false, at(33));
		assertThat(deadline(policy)).isEqualTo(at(62));
	}

	@Test
	void nextDeadlineIsTheIdleTimeoutWhenItComesBeforeTheLifetime() {
		TunnelPolicy policy = policy(Duration.ZERO, Duration.ZERO, IDLE, LIFETIME);
		assertThat(deadline(policy)).isEqualTo(at(120));
		policy.data(at(100));
		assertThat(deadline(policy)).isEqualTo(at(220));
		// Pings do not move the idle deadline.
		heardBoth(policy, at(200));
		assertThat(deadline(policy)).isEqualTo(at(220));
	}

	@Test
	void nextDeadlineIsTheLifetimeWhenItComesBeforeTheIdleTimeout() {
		TunnelPolicy policy = policy(Duration.ZERO, Duration.ZERO, IDLE, LIFETIME);
		policy.data(at(500));
		assertThat(deadline(policy)).isEqualTo(at(600));
	}

	@Test
	void nextDeadlineIsTheLifetimeAloneWhenItIsTheOnlyRule() {
		TunnelPolicy policy = policy(Duration.ZERO, Duration.ZERO, Duration.ZERO, LIFETIME);
		policy.data(at(100));
		heardBoth(policy, at(100));
		assertThat(deadline(policy)).isEqualTo(at(600));
	}

	/**
	 * The tunnel keeps a single timer at {@link TunnelPolicy#nextDelay(long)}: the
	 * deadline must never be later than something due (it would act late), nor earlier
	 * than anything due (it would spin).
	 */
	@Test
	void somethingIsDueAtEachNextDeadlineAndNothingJustBefore() {
		TunnelPolicy policy = everything();
		long now = T0;
		int checks = 0;
		while (true) {
			long next = deadline(policy);
			assertThat(next).isGreaterThan(now);
			assertThat(policy.due(next - 1)).as("due just before " + (next - T0) + "ns")
				.isEqualTo(TunnelPolicy.NOTHING);
			Due due = policy.due(next);
			assertThat(due).as("due at " + (next - T0) + "ns").isNotEqualTo(TunnelPolicy.NOTHING);
			now = next;
			checks++;
			if (due.close() != null) {
				// Data with every ping keeps it from idling: the lifetime ends it.
				assertThat(due.close()).isEqualTo(GatewayCloseReason.MAX_LIFETIME);
				assertThat(now).isEqualTo(at(600));
				break;
			}
			assertThat(due).isEqualTo(PING_BOTH);
			policy.data(now);
			// Both answer a second later.
			heardBoth(policy, now + TimeUnit.SECONDS.toNanos(1));
		}
		assertThat(checks).isGreaterThan(10);
	}

	/**
	 * {@code System.nanoTime()} has an arbitrary origin, possibly close to
	 * {@code Long.MAX_VALUE}; its javadoc asks for differences to be compared
	 * ({@code t1 - t0 < 0}), never absolute values. {@link TunnelPolicy#due(long)} does
	 * so, but {@link TunnelPolicy#nextDelay(long)} takes {@code Math.min} of absolute
	 * deadlines: when one of them overflows it wraps negative and wins the min although
	 * it is the later one. Here the idle deadline (1 h) wraps while the first heartbeat
	 * (30 s) does not, so the tunnel's timer is set for an hour: no ping is sent and a
	 * dead peer goes unnoticed until the idle timeout.
	 */
	@Test
	void nextDelayIsTheEarliestAcrossTheNanoTimeOverflow() {
		long t0 = Long.MAX_VALUE - TimeUnit.SECONDS.toNanos(60);
		TunnelSettings settings = new TunnelSettings(DataSize.ofMegabytes(16), Duration.ofSeconds(5), INTERVAL, TIMEOUT,
				Duration.ofHours(1), Duration.ZERO, false, Duration.ZERO, Duration.ZERO, DataSize.ofMegabytes(4), 0,
				DataSize.ofBytes(0), Duration.ofSeconds(1), TunnelSettings.OnRemoval.KEEP, Duration.ZERO);
		assertThat(new TunnelPolicy(settings, t0).due(t0 + INTERVAL.toNanos())).isEqualTo(PING_BOTH);
		// The idle deadline (1 h) wraps past Long.MAX_VALUE; the first heartbeat (30 s)
		// must still come first.
		assertThat(new TunnelPolicy(settings, t0).nextDelay(t0)).isEqualTo(INTERVAL.toNanos());
	}

	// Frame timeout

	static TunnelPolicy frames(Duration frameTimeout) {
		return timeouts(frameTimeout, Duration.ZERO);
	}

	/**
	 * Heartbeats and idle timeout as usual, with these frame and slow-consumer timeouts.
	 */
	static TunnelPolicy timeouts(Duration frameTimeout, Duration slowConsumerTimeout) {
		return new TunnelPolicy(new TunnelSettings(DataSize.ofMegabytes(16), Duration.ofSeconds(5), INTERVAL, TIMEOUT,
				IDLE, Duration.ZERO, false, frameTimeout, slowConsumerTimeout, DataSize.ofMegabytes(4), 0,
				DataSize.ofBytes(0), Duration.ofSeconds(1), TunnelSettings.OnRemoval.KEEP, Duration.ZERO), T0);
	}

	@Test
	void aFrameUnfinishedForTheFrameTimeoutFailsItsSide() {
		TunnelPolicy policy = frames(Duration.ofSeconds(5));
		assertThat(policy.frame(false, true, at(10))).as("the backend's frame clock starts").isTrue();
		policy.heard(false, at(14));
		assertThat(policy.frame(false, true, at(14))).as("still the same frame").isFalse();
		assertThat(policy.due(at(15) - 1)).isEqualTo(TunnelPolicy.NOTHING);
		assertThat(policy.due(at(15))).isEqualTo(new Due(GatewayCloseReason.FRAME_TIMEOUT, false, false, false));
	}

	@Test
	void aFrameFinishedBeforeTheFrameTimeoutFailsNobody() {
		TunnelPolicy policy = frames(Duration.ofSeconds(5));
		policy.frame(true, true, at(10));
		policy.frame(true, false, at(14));
		assertThat(policy.due(at(16))).isEqualTo(TunnelPolicy.NOTHING);
		assertThat(policy.frame(true, true, at(20))).as("a new frame starts a new clock").isTrue();
		assertThat(policy.due(at(25))).isEqualTo(new Due(GatewayCloseReason.FRAME_TIMEOUT, true, false, false));
	}

	@Test
	void theFrameDeadlineIsTheNextDelayWhenItComesFirst() {
		TunnelPolicy policy = frames(Duration.ofSeconds(5));
		policy.frame(true, true, at(1));
		assertThat(policy.nextDelay(at(1))).isEqualTo(TimeUnit.SECONDS.toNanos(5));
		assertThat(policy.nextDelay(at(3))).isEqualTo(TimeUnit.SECONDS.toNanos(3));
	}

	@Test
	void aZeroFrameTimeoutNeverFailsASlowFrame() {
		TunnelPolicy policy = frames(Duration.ZERO);
		assertThat(policy.frame(true, true, at(1))).isFalse();
		assertThat(policy.due(at(29))).isEqualTo(TunnelPolicy.NOTHING);
	}

	// Slow consumers

	static TunnelPolicy stalls(Duration slowConsumerTimeout) {
		return timeouts(Duration.ZERO, slowConsumerTimeout);
	}

	@Test
	void aSideUnwritableForTheSlowConsumerTimeoutFailsIt() {
		TunnelPolicy policy = stalls(Duration.ofSeconds(5));
		assertThat(policy.writable(true, false, at(10))).as("the client's stall clock starts").isTrue();
		assertThat(policy.writable(true, false, at(12))).as("still the same stall").isFalse();
		assertThat(policy.nextDelay(at(12))).isEqualTo(TimeUnit.SECONDS.toNanos(3));
		assertThat(policy.due(at(15) - 1)).isEqualTo(TunnelPolicy.NOTHING);
		assertThat(policy.due(at(15))).isEqualTo(new Due(GatewayCloseReason.SLOW_CONSUMER, true, false, false));
	}

	@Test
	void aSideThatTakesBytesAgainIsNoSlowConsumer() {
		TunnelPolicy policy = stalls(Duration.ofSeconds(5));
		policy.writable(false, false, at(10));
		policy.writable(false, true, at(14));
		assertThat(policy.due(at(16))).isEqualTo(TunnelPolicy.NOTHING);
		assertThat(policy.writable(false, false, at(20))).as("a new stall starts a new clock").isTrue();
		assertThat(policy.due(at(25))).isEqualTo(new Due(GatewayCloseReason.SLOW_CONSUMER, false, false, false));
	}

	@Test
	void aZeroSlowConsumerTimeoutNeverFailsAStalledSide() {
		TunnelPolicy policy = stalls(Duration.ZERO);
		assertThat(policy.writable(true, false, at(1))).isFalse();
		assertThat(policy.due(at(29))).isEqualTo(TunnelPolicy.NOTHING);
	}

	/**
	 * The deadline the tunnel's timer is set to, seen from the tests' start {@link #T0}.
	 */
	private static long deadline(TunnelPolicy policy) {
		return T0 + policy.nextDelay(T0);
	}

}
