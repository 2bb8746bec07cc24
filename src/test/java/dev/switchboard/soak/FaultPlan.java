package dev.switchboard.soak;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The faults of a soak run, on a schedule: steps run one after another on a scheduler
 * thread of their own, each no earlier than its offset from the start and no sooner than
 * a gap after the previous one ended (so one fault's effects never overlap the next).
 * Every fault opens a {@link Window}: the closes the clients see are attributed to the
 * window they fall in, and must carry one of its expected codes.
 */
final class FaultPlan {

	private static final Log logger = LogFactory.getLog(FaultPlan.class);

	private final List<Step> steps = new ArrayList<>();

	private final ConcurrentLinkedQueue<Window> windows = new ConcurrentLinkedQueue<>();

	private final ConcurrentLinkedQueue<Event> timeline = new ConcurrentLinkedQueue<>();

	private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "soak-fault-plan");
		thread.setDaemon(true);
		return thread;
	});

	private volatile long start;

	/**
	 * Adds a step.
	 * @param name what it does, for the timeline
	 * @param notBefore its earliest time from the start of the plan
	 * @param gap the least time after the previous step ended
	 */
	FaultPlan step(String name, Duration notBefore, Duration gap, Action action) {
		this.steps.add(new Step(name, notBefore, gap, action));
		return this;
	}

	/** Runs the steps; the future completes when the last one has. */
	CompletableFuture<Void> run(long startNanos) {
		this.start = startNanos;
		CompletableFuture<Void> done = new CompletableFuture<>();
		schedule(0, startNanos, done);
		return done;
	}

	private void schedule(int index, long previousEnd, CompletableFuture<Void> done) {
		if (index == this.steps.size()) {
			done.complete(null);
			return;
		}
		Step step = this.steps.get(index);
		long due = Math.max(this.start + step.notBefore.toNanos(), previousEnd + step.gap.toNanos());
		this.scheduler.schedule(() -> {
			try {
				event("begin: " + step.name);
				step.action.run();
				event("end: " + step.name);
				schedule(index + 1, System.nanoTime(), done);
			}
			catch (Throwable ex) {
				logger.error("Fault plan step '" + step.name + "' failed", ex);
				event("FAILED: " + step.name + ": " + ex);
				done.completeExceptionally(ex);
			}
		}, Math.max(0, due - System.nanoTime()), TimeUnit.NANOSECONDS);
	}

	/**
	 * Opens a window for closes caused by a fault; it ends when {@link Window#end} is
	 * set.
	 */
	Window open(String kind, String target, Set<Integer> codes) {
		Window window = new Window(kind, target, codes, System.nanoTime());
		this.windows.add(window);
		return window;
	}

	/** Notes something on the timeline. */
	void event(String what) {
		Event event = new Event(System.nanoTime(), what);
		this.timeline.add(event);
		logger.info("t+" + seconds(event.at) + " s: " + what);
	}

	/** The window a close at {@code nanos} falls in, or null. */
	Window windowAt(long nanos) {
		for (Window window : this.windows) {
			if (window.contains(nanos)) {
				return window;
			}
		}
		return null;
	}

	List<Window> windows() {
		return List.copyOf(this.windows);
	}

	List<Event> timeline() {
		return List.copyOf(this.timeline);
	}

	/** Seconds from the start of the plan, one decimal. */
	String seconds(long nanos) {
		return String.format("%.1f", (nanos - this.start) / 1e9);
	}

	long start() {
		return this.start;
	}

	void shutdown() {
		this.scheduler.shutdownNow();
	}

	/** What a step does; may block (bounded) until the fault has had its effect. */
	@FunctionalInterface
	interface Action {

		void run() throws Exception;

	}

	private record Step(String name, Duration notBefore, Duration gap, Action action) {
	}

	/** Something that happened, for the report's timeline. */
	record Event(long at, String what) {
	}

	/**
	 * From a fault's start until it is over plus a margin: the closes in it are the
	 * fault's own.
	 */
	static final class Window {

		final String kind;

		final String target;

		final Set<Integer> codes;

		final long start;

		private volatile long end = Long.MAX_VALUE;

		Window(String kind, String target, Set<Integer> codes, long start) {
			this.kind = kind;
			this.target = target;
			this.codes = codes;
			this.start = start;
		}

		/** Ends the window {@code margin} from now. */
		void end(Duration margin) {
			this.end = System.nanoTime() + margin.toNanos();
		}

		long end() {
			return this.end;
		}

		boolean contains(long nanos) {
			return nanos >= this.start && nanos <= this.end;
		}

		String name() {
			return this.kind + " " + this.target;
		}

	}

}
