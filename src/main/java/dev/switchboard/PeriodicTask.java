package dev.switchboard;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import dev.switchboard.metrics.SwitchboardMeters;

/**
 * Background work that must keep running whatever happens to one run: each run starts
 * {@code interval} after the previous one ended, so a slow run delays the next instead of
 * piling up (the trap of {@code Flux.interval(...).concatMap(...)}, whose overflow ends
 * the loop for good), and a failed run is logged (once, until a run succeeds again) and
 * followed by the next. The time of the last successful run is the gauge
 * {@code switchboard.task.last.success{task}}, so a loop that stops succeeding shows on
 * the dashboard and in alerts.
 */
public final class PeriodicTask implements Disposable {

	private static final Log logger = LogFactory.getLog(PeriodicTask.class);

	private final String name;

	private final Supplier<Mono<?>> work;

	private final AtomicLong lastSuccessMillis = new AtomicLong();

	private final Disposable loop;

	private volatile boolean failing;

	private PeriodicTask(String name, Duration initialDelay, Duration interval, Supplier<Mono<?>> work,
			Scheduler scheduler) {
		this.name = name;
		this.work = work;
		this.loop = Mono.delay(initialDelay, scheduler)
			.thenMany(Mono.defer(this::runOnce).repeatWhen((runs) -> runs.delayElements(interval, scheduler)))
			.subscribe();
	}

	/**
	 * Starts a task.
	 * @param name the task's name in logs and in the gauge's {@code task} tag
	 * @param initialDelay when the first run starts
	 * @param interval the pause between the end of one run and the start of the next
	 * @param work one run; its errors are caught and logged, so it may fail as it likes
	 * @param registry where the last-success gauge goes, or null
	 */
	public static PeriodicTask start(String name, Duration initialDelay, Duration interval, Supplier<Mono<?>> work,
			MeterRegistry registry) {
		PeriodicTask task = new PeriodicTask(name, initialDelay, interval, work, Schedulers.parallel());
		if (registry != null) {
			TimeGauge
				.builder(SwitchboardMeters.TASK_LAST_SUCCESS, task.lastSuccessMillis, TimeUnit.MILLISECONDS,
						AtomicLong::get)
				.description("When a background task last completed successfully (epoch; 0: never)")
				.tag(SwitchboardMeters.TASK, name)
				.register(registry);
		}
		return task;
	}

	private Mono<Void> runOnce() {
		return Mono.defer(this.work).then(Mono.fromRunnable(this::succeeded)).onErrorResume((ex) -> {
			failed(ex);
			return Mono.empty();
		}).then();
	}

	private void succeeded() {
		this.lastSuccessMillis.set(System.currentTimeMillis());
		if (this.failing) {
			this.failing = false;
			logger.info("Background task '" + this.name + "' succeeds again");
		}
	}

	private void failed(Throwable ex) {
		if (!this.failing) {
			this.failing = true;
			logger.warn("Background task '" + this.name + "' failed (" + ex + "); retrying, logged again once it"
					+ " succeeds");
		}
		else if (logger.isDebugEnabled()) {
			logger.debug("Background task '" + this.name + "' failed again: " + ex);
		}
	}

	/** When the last run succeeded (epoch milliseconds), or 0 before any did. */
	public long lastSuccessMillis() {
		return this.lastSuccessMillis.get();
	}

	@Override
	public void dispose() {
		this.loop.dispose();
	}

	@Override
	public boolean isDisposed() {
		return this.loop.isDisposed();
	}

}
