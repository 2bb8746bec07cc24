package dev.switchboard;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A background task keeps running whatever one run does: runs slower than the interval,
 * failing runs and runs that throw are followed by the next, one at a time; the gauge
 * shows the last success.
 */
class PeriodicTaskTest {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	@Test
	void runsSlowerThanTheIntervalNeverOverlapAndNeverStopTheLoop() {
		AtomicInteger running = new AtomicInteger();
		AtomicInteger maxRunning = new AtomicInteger();
		AtomicInteger runs = new AtomicInteger();
		PeriodicTask task = PeriodicTask.start("slow", Duration.ZERO, Duration.ofMillis(5), () -> Mono.defer(() -> {
			maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
			return Mono.delay(Duration.ofMillis(30)).doFinally((signal) -> {
				running.decrementAndGet();
				runs.incrementAndGet();
			});
		}), this.registry);
		try {
			await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() >= 10);
			assertThat(maxRunning.get()).isEqualTo(1);
		}
		finally {
			task.dispose();
		}
	}

	@Test
	void failingAndThrowingRunsAreFollowedByTheNextAndTheGaugeShowsTheLastSuccess() {
		AtomicInteger runs = new AtomicInteger();
		PeriodicTask task = PeriodicTask.start("flaky", Duration.ZERO, Duration.ofMillis(5), () -> {
			int run = runs.incrementAndGet();
			if (run % 3 == 1) {
				throw new IllegalStateException("thrown by run " + run);
			}
			return (run % 3 == 2) ? Mono.error(new IllegalStateException("failed run " + run)) : Mono.empty();
		}, this.registry);
		try {
			await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() >= 9);
			assertThat(task.lastSuccessMillis()).isPositive();
			assertThat(this.registry.get("switchboard.task.last.success").tag("task", "flaky").timeGauge().value())
				.as("seconds since the epoch of the last success")
				.isCloseTo(task.lastSuccessMillis() / 1000.0, Offset.offset(1.0));
		}
		finally {
			task.dispose();
		}
	}

	@Test
	void aTaskThatNeverSucceedsShowsZero() {
		AtomicInteger runs = new AtomicInteger();
		PeriodicTask task = PeriodicTask.start("broken", Duration.ZERO, Duration.ofMillis(5),
				() -> Mono.fromRunnable(runs::incrementAndGet).then(Mono.error(new IllegalStateException("down"))),
				this.registry);
		try {
			await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() >= 3);
			assertThat(task.lastSuccessMillis()).isZero();
			assertThat(this.registry.get("switchboard.task.last.success").tag("task", "broken").timeGauge().value())
				.isZero();
		}
		finally {
			task.dispose();
		}
	}

}
