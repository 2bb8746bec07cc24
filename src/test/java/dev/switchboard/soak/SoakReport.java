package dev.switchboard.soak;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.switchboard.soak.FaultPlan.Window;
import dev.switchboard.soak.SoakClients.Closed;
import dev.switchboard.soak.SoakClients.Reconnected;

/**
 * What a soak run measured, the figures derived from it, the checks they must pass, and
 * the Markdown report (target/soak/report.md; bench/soak.sh copies it to
 * bench/RESULTS-soak.md).
 */
final class SoakReport {

	private static final double MIB = 1024 * 1024;

	/** Level, logger and message of a Spring Boot console line at WARN or ERROR. */
	private static final Pattern LOG_LINE = Pattern.compile("\\s(WARN|ERROR) .*?\\] (\\S+)\\s+: (.*)$");

	final SoakSettings settings;

	// Filled in while the run goes on.

	Duration startup;

	String redisVersion = "unknown";

	final Map<String, double[]> heap = new ConcurrentHashMap<>();

	final List<long[]> redisKeys = new CopyOnWriteArrayList<>();

	final Map<String, Cpu> cpu = new ConcurrentHashMap<>();

	final List<Edit> edits = new CopyOnWriteArrayList<>();

	final List<String> rollingUpdates = new CopyOnWriteArrayList<>();

	/** Replicas the rolling update restarted. */
	final Set<String> restarted = ConcurrentHashMap.newKeySet();

	final Map<String, List<String>> finalMetrics = new LinkedHashMap<>();

	int[] gaugeEnd = new int[2];

	int[] trueEnd = new int[2];

	boolean drained;

	boolean allOpenAtEnd;

	String planFailure;

	long redisKeysEnd = -1;

	Map<String, Long> connectFailures = Map.of();

	/** WARN and ERROR lines the gateways logged, normalized, with their counts. */
	final Map<String, Integer> gatewayLog = new TreeMap<>();

	// Derived by compute().

	long sent;

	long received;

	long lostOnOpen;

	long gapsOnOpen;

	long openAtEnd;

	long inFlightAtClose;

	long gapsOnClosed;

	final List<Closed> closes = new ArrayList<>();

	final Map<Window, Map<Integer, Integer>> closesByWindow = new LinkedHashMap<>();

	final List<Closed> unattributed = new ArrayList<>();

	final List<Closed> unexpected = new ArrayList<>();

	long withoutCloseFrame;

	/** Tunnels the clients closed themselves (reloads during the Redis outage). */
	long reloads;

	final List<Reconnected> reconnects = new ArrayList<>();

	int eligible;

	int sameInstance;

	int recentlyBack;

	int recentlyBackSame;

	int moved;

	final Map<Integer, int[]> affinityByCode = new TreeMap<>();

	long redisKeysMax = -1;

	long redisKeysStart = -1;

	private final List<String[]> checks = new ArrayList<>();

	private FaultPlan plan;

	private final List<String> timeline = new ArrayList<>();

	SoakReport(SoakSettings settings) {
		this.settings = settings;
	}

	/**
	 * Derives every figure from what the clients and the plan recorded, and runs the
	 * checks.
	 */
	void compute(FaultPlan plan, SoakClients clients, SoakCluster cluster) {
		this.plan = plan;
		for (SoakClient.State state : clients.states()) {
			this.sent += state.sent();
			this.received += state.received();
			if (state.open()) {
				this.openAtEnd++;
				this.lostOnOpen += state.tunnelSent() - state.tunnelReceived();
				this.gapsOnOpen += state.tunnelGaps();
			}
		}
		for (Window window : plan.windows()) {
			this.closesByWindow.put(window, new TreeMap<>());
		}
		this.closes.addAll(clients.closes);
		for (Closed closed : this.closes) {
			this.inFlightAtClose += closed.inFlight();
			this.gapsOnClosed += closed.gaps();
			if (closed.byClient()) {
				this.reloads++;
				continue;
			}
			if (!closed.closeFrame()) {
				this.withoutCloseFrame++;
			}
			Window window = plan.windowAt(closed.at());
			if (window == null) {
				this.unattributed.add(closed);
				continue;
			}
			this.closesByWindow.get(window).merge(closed.code(), 1, Integer::sum);
			if (!window.codes.contains(closed.code())) {
				this.unexpected.add(closed);
			}
		}
		this.reconnects.addAll(clients.reconnects);
		this.reconnects.sort((a, b) -> a.time().compareTo(b.time()));
		for (Reconnected reconnect : this.reconnects) {
			String previous = reconnect.previousInstance();
			if (previous == null) {
				continue;
			}
			boolean same = previous.equals(reconnect.instance());
			if (cluster.upThroughout(previous, reconnect.closedAt(), reconnect.openedAt(),
					this.settings.ejectionPeriod())) {
				this.eligible++;
				this.sameInstance += same ? 1 : 0;
				int[] byCode = this.affinityByCode.computeIfAbsent(reconnect.closeCode(), (code) -> new int[2]);
				byCode[0]++;
				byCode[1] += same ? 1 : 0;
			}
			else if (cluster.upThroughout(previous, reconnect.closedAt(), reconnect.openedAt(), Duration.ZERO)) {
				this.recentlyBack++;
				this.recentlyBackSame += same ? 1 : 0;
			}
			else {
				this.moved++;
			}
		}
		for (long[] sample : this.redisKeys) {
			this.redisKeysMax = Math.max(this.redisKeysMax, sample[1]);
			if (this.redisKeysStart < 0 && sample[1] >= 0) {
				this.redisKeysStart = sample[1];
			}
		}
		for (FaultPlan.Event event : plan.timeline()) {
			this.timeline.add("| " + plan.seconds(event.at()) + " | " + event.what() + " |");
		}
		runChecks();
	}

	private void runChecks() {
		check(this.planFailure == null, "the fault plan ran to the end", String.valueOf(this.planFailure));
		check(this.drained, "every open tunnel's echoes drained after the senders stopped", "not within the bound");
		check(this.lostOnOpen == 0 && this.gapsOnOpen == 0, "lost on tunnels open at the end = 0",
				this.lostOnOpen + " lost, " + this.gapsOnOpen + " out of order");
		check(this.gapsOnClosed == 0, "no gap or reordering on tunnels closed by faults", this.gapsOnClosed + "");
		check(this.withoutCloseFrame == 0, "every tunnel ended with a close frame (no 1006)",
				this.withoutCloseFrame + " without");
		check(this.unattributed.isEmpty(), "every close fell in a fault's window", this.unattributed.size()
				+ " outside: " + this.unattributed.stream().limit(5).map(SoakReport::describe).toList());
		check(this.unexpected.isEmpty(), "every close carried its fault's code (1011 backend lost, 1012 restart)",
				this.unexpected.size() + " others: "
						+ this.unexpected.stream().limit(5).map(SoakReport::describe).toList());
		for (Map.Entry<Window, Map<Integer, Integer>> entry : this.closesByWindow.entrySet()) {
			Window window = entry.getKey();
			int count = entry.getValue().values().stream().mapToInt(Integer::intValue).sum();
			if (!window.codes.isEmpty()) {
				check(count > 0, window.name() + " closed some tunnels (the fault took effect)", "none");
			}
		}
		check(this.allOpenAtEnd, "every client connected at the end", "some not");
		for (int i = 0; i < 2; i++) {
			check(this.gaugeEnd[i] == this.trueEnd[i], "replica-" + (i + 1)
					+ " switchboard_tunnels_open = its clients' open tunnels (" + this.trueEnd[i] + ")",
					"gauge " + this.gaugeEnd[i]);
		}
		check(this.eligible > 0 && this.sameInstance == this.eligible,
				"every reconnect whose instance was alive returned to it", this.sameInstance + " of " + this.eligible);
		long bound = 2L * this.settings.clients() + 20;
		check(this.redisKeysMax <= bound, "Redis keys bounded (at most " + bound + ")", "max " + this.redisKeysMax);
		for (Edit edit : this.edits) {
			int clientCloses = closesIn(edit.window);
			check(clientCloses == 0 && edit.gatewayCloses == 0, "route edit " + edit.edit + " closed no tunnel",
					clientCloses + " client-side, " + edit.gatewayCloses + " counted by the gateways");
			check(edit.applied && edit.reloads == 2 && edit.served,
					"route edit " + edit.edit + " applied on both replicas and its new route serves",
					"applied " + edit.applied + ", reloads " + edit.reloads + ", served " + edit.served);
		}
		long errors = this.gatewayLog.entrySet()
			.stream()
			.filter((entry) -> entry.getKey().startsWith("ERROR"))
			.mapToLong(Map.Entry::getValue)
			.sum();
		check(errors == 0, "nothing logged at ERROR by the gateways", errors + " line(s)");
		double[] stable = this.heap.get("replica-2");
		if (stable != null && stable.length == 4 && stable[2] > 0) {
			double allowed = stable[0] + heapNoise() + 16 * 1024 * Math.max(0, stable[3] - stable[1]);
			check(stable[2] <= allowed, "replica-2 heap after a full GC did not grow beyond noise",
					mib(stable[0]) + " -> " + mib(stable[2]) + " MiB");
		}
	}

	/** Heap growth (bytes) that is noise for a run of this length. */
	double heapNoise() {
		return 16 * MIB;
	}

	private int closesIn(Window window) {
		if (window == null) {
			return 0;
		}
		return this.closesByWindow.getOrDefault(window, Map.of()).values().stream().mapToInt(Integer::intValue).sum();
	}

	private void check(boolean passed, String what, String otherwise) {
		this.checks.add(new String[] { passed ? "ok" : "FAILED", what, passed ? "" : otherwise });
	}

	/** The checks that failed, each in words. */
	List<String> failures() {
		return this.checks.stream().filter((c) -> c[0].equals("FAILED")).map((c) -> c[1] + ": " + c[2]).toList();
	}

	private static String describe(Closed closed) {
		return "client " + closed.client() + " replica-" + (closed.replica() + 1) + " " + closed.instance() + " code "
				+ closed.code() + " '" + closed.reason() + "'";
	}

	Duration percentile(double p) {
		return at(this.reconnects.stream().map(Reconnected::time).toList(), p);
	}

	private String reconnectsByCode() {
		Map<Integer, List<Reconnected>> byCode = new TreeMap<>();
		this.reconnects.forEach((r) -> byCode.computeIfAbsent(r.closeCode(), (code) -> new ArrayList<>()).add(r));
		List<String> parts = new ArrayList<>();
		byCode.forEach((code, reconnects) -> {
			List<Duration> times = reconnects.stream().map(Reconnected::time).sorted().toList();
			List<Duration> handshakes = reconnects.stream().map(Reconnected::handshake).sorted().toList();
			parts.add(code + ": " + times.size() + ", " + at(times, 50).toMillis() + ", " + at(times, 99).toMillis()
					+ ", " + at(times, 100).toMillis() + " (last attempt alone: " + at(handshakes, 50).toMillis() + ", "
					+ at(handshakes, 99).toMillis() + ", " + at(handshakes, 100).toMillis() + ")");
		});
		return String.join("; ", parts);
	}

	/** The nearest-rank percentile of sorted durations. */
	private static Duration at(List<Duration> sorted, double p) {
		if (sorted.isEmpty()) {
			return Duration.ZERO;
		}
		int index = (int) Math.ceil(p / 100 * sorted.size()) - 1;
		return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
	}

	/** One line for the log. */
	String summary() {
		Map<Integer, Integer> codes = new TreeMap<>();
		this.closes.stream()
			.filter((closed) -> !closed.byClient())
			.forEach((closed) -> codes.merge(closed.code(), 1, Integer::sum));
		return "Soak " + this.settings.duration().toSeconds() + " s, " + this.settings.clients() + " clients: sent "
				+ this.sent + ", received " + this.received + ", lost on open tunnels "
				+ (this.lostOnOpen + this.gapsOnOpen) + ", in flight at closes " + this.inFlightAtClose
				+ "; fault closes by code " + codes + " (no close frame: " + this.withoutCloseFrame
				+ ", outside fault windows: " + this.unattributed.size() + "), reloads " + this.reloads + "; "
				+ this.reconnects.size() + " reconnects, p50 " + this.percentile(50).toMillis() + " ms, p99 "
				+ this.percentile(99).toMillis() + " ms; affinity " + this.sameInstance + "/" + this.eligible
				+ "; tunnels_open " + List.of(this.gaugeEnd[0], this.gaugeEnd[1]) + " vs true "
				+ List.of(this.trueEnd[0], this.trueEnd[1]) + "; Redis keys max " + this.redisKeysMax + "; "
				+ failures().size() + " check(s) failed";
	}

	String markdown() {
		StringBuilder md = new StringBuilder();
		md.append("# Soak under faults\n\n");
		md.append("Generated by `SoakTest` (`src/test/java/dev/switchboard/soak`). ").append(summary()).append(".\n\n");
		md.append("## Parameters\n\n");
		md.append("- ").append(this.settings.describe()).append(".\n");
		md.append("- Real processes on loopback: 2 gateway replicas (each its own JVM, `-Xmx256m`, fixed ports, routes")
			.append(" in a file of its own reloaded every ")
			.append(this.settings.reloadInterval().toMillis())
			.append(" ms), 3 backend instances (`lb://chat`, simple discovery; each its own JVM), Redis (embedded")
			.append(" binary, version ")
			.append(this.redisVersion)
			.append(", no persistence), the clients in the test JVM (Netty leak detection ")
			.append(System.getProperty("io.netty.leakDetection.level", "default"))
			.append(").\n");
		md.append("- Clients: sticky route `/chat/ws/whoami` (the backend answers its name, then echoes); client *i*")
			.append(" prefers replica *i* mod 2 and tries the other when refused; keeps the `SWITCHBOARD_STICKY`")
			.append(" cookie and presents it on every reconnect; reconnects after any close with exponential backoff")
			.append(" and full jitter.\n");
		md.append("- Processes started in ").append(this.startup.toMillis() / 1000.0).append(" s.\n\n");
		md.append("## Fault timeline\n\nTimes from the start of the traffic window (all clients connected).\n\n");
		md.append("| t (s) | event |\n|---|---|\n");
		this.timeline.forEach((line) -> md.append(line).append('\n'));
		md.append("\n## Messages\n\n| | count |\n|---|---|\n");
		md.append("| sent | ").append(this.sent).append(" |\n");
		md.append("| received (echoes) | ").append(this.received).append(" |\n");
		md.append("| **lost on tunnels open at the end** (sent − received after draining, plus gaps/reordering) | **")
			.append(this.lostOnOpen + this.gapsOnOpen)
			.append("** |\n");
		md.append("| tunnels open at the end | ").append(this.openAtEnd).append(" |\n");
		md.append("| in flight when a fault (or a reload) closed the tunnel (sent, echo not back before the close;")
			.append(" not lost) | ")
			.append(this.inFlightAtClose)
			.append(" |\n");
		md.append("| gaps or reordering on tunnels that were closed | ").append(this.gapsOnClosed).append(" |\n");
		md.append("\n## Tunnels ended by faults\n\n");
		md.append("| fault | window (s) | closes | by code | expected |\n|---|---|---|---|---|\n");
		this.closesByWindow.forEach((window, codes) -> md.append("| ")
			.append(window.name())
			.append(" | ")
			.append(this.plan.seconds(window.start))
			.append("–")
			.append((window.end() == Long.MAX_VALUE) ? "?" : this.plan.seconds(window.end()))
			.append(" | ")
			.append(codes.values().stream().mapToInt(Integer::intValue).sum())
			.append(" | ")
			.append(codes)
			.append(" | ")
			.append(window.codes.isEmpty() ? "none" : window.codes)
			.append(" |\n"));
		md.append("\n- Without a close frame (1006 or none): **").append(this.withoutCloseFrame).append("**.\n");
		md.append("- Outside every fault window: ").append(this.unattributed.size()).append(".\n");
		md.append("- Closed by the clients themselves (reloads while Redis was down; not faults): ")
			.append(this.reloads)
			.append(".\n");
		md.append("- With a code other than the fault's: ").append(this.unexpected.size()).append(".\n");
		md.append("- Reconnects: ")
			.append(this.reconnects.size())
			.append("; close to next 101: p50 ")
			.append(this.percentile(50).toMillis())
			.append(" ms, p99 ")
			.append(this.percentile(99).toMillis())
			.append(" ms, max ")
			.append(this.percentile(100).toMillis())
			.append(" ms.\n");
		md.append("- Close to next 101 by close code (count, p50, p99, max ms; in brackets the successful attempt")
			.append(" alone, connect to 101): ")
			.append(reconnectsByCode())
			.append(".\n");
		md.append("- Failed connection attempts (all retried): ").append(this.connectFailures).append(".\n");
		md.append("\n## Affinity\n\n");
		md.append("Reconnects whose previous backend instance was alive (up from the close to the new 101, and for")
			.append(" the ejection period before, since an instance that refused connections is left out that long):")
			.append(" **")
			.append(this.sameInstance)
			.append(" of ")
			.append(this.eligible)
			.append("** returned to it");
		if (this.eligible > 0) {
			md.append(String.format(" (%.2f%%)", 100.0 * this.sameInstance / this.eligible));
		}
		md.append(". By close code (eligible, same): ");
		this.affinityByCode.forEach((code,
				counts) -> md.append(code).append(": ").append(counts[0]).append(", ").append(counts[1]).append("; "));
		md.append("\nAlive but back for less than the ejection period: ")
			.append(this.recentlyBack)
			.append(" (same instance: ")
			.append(this.recentlyBackSame)
			.append("). Previous instance down (moved by design): ")
			.append(this.moved)
			.append(".\n");
		md.append("\n## Gateway state at the end\n\n");
		md.append("| replica | `switchboard_tunnels_open` | clients open on it |\n|---|---|---|\n");
		for (int i = 0; i < 2; i++) {
			md.append("| replica-")
				.append(i + 1)
				.append(" | ")
				.append(this.gaugeEnd[i])
				.append(" | ")
				.append(this.trueEnd[i])
				.append(" |\n");
		}
		md.append("\nRedis keys (`DBSIZE`, sampled every ")
			.append(this.settings.sample().toMillis())
			.append(" ms): first sample ")
			.append(this.redisKeysStart)
			.append(", max ")
			.append(this.redisKeysMax)
			.append(", at the end ")
			.append(this.redisKeysEnd)
			.append(" (")
			.append(this.settings.clients())
			.append(" clients; -1 = Redis down). Samples: ")
			.append(sampled())
			.append(".\n");
		md.append("\nHeap after a full GC (`jcmd GC.run`, then `jvm_memory_used_bytes{area=\"heap\"}`):\n\n");
		md.append("| replica | start (MiB) | tunnels | end (MiB) | tunnels | note |\n|---|---|---|---|---|---|\n");
		this.heap.entrySet()
			.stream()
			.sorted(Map.Entry.comparingByKey())
			.forEach((entry) -> md.append("| ")
				.append(entry.getKey())
				.append(" | ")
				.append(mib(entry.getValue()[0]))
				.append(" | ")
				.append((long) entry.getValue()[1])
				.append(" | ")
				.append(mib(entry.getValue()[2]))
				.append(" | ")
				.append((long) entry.getValue()[3])
				.append(" | ")
				.append(this.restarted.contains(entry.getKey())
						? "restarted by the rolling update: the end is a fresh JVM's, not comparable"
						: "never restarted")
				.append(" |\n"));
		md.append("\nCPU (from /proc, % of one core; mean over the run, max over one sampling interval):\n\n");
		md.append("| process | mean | max |\n|---|---|---|\n");
		this.cpu.entrySet()
			.stream()
			.sorted(Map.Entry.comparingByKey())
			.forEach((entry) -> md.append("| ")
				.append(entry.getKey())
				.append(" | ")
				.append(String.format("%.0f%%", entry.getValue().mean()))
				.append(" | ")
				.append(String.format("%.0f%%", entry.getValue().max))
				.append(" |\n"));
		md.append("\n## Route edits\n\n");
		md.append("| edit | applied on both after (ms) | client tunnels closed in its window | closes counted by the")
			.append(" gateways | reloads (success) | new route serves |\n|---|---|---|---|---|---|\n");
		for (Edit edit : this.edits) {
			md.append("| ")
				.append(edit.edit)
				.append(": ")
				.append(edit.what)
				.append(" | ")
				.append(edit.appliedMs)
				.append(" | ")
				.append(closesIn(edit.window))
				.append(" | ")
				.append((long) edit.gatewayCloses)
				.append(" | ")
				.append((long) edit.reloads)
				.append(" | ")
				.append(edit.served)
				.append(" |\n");
		}
		md.append("\n## Rolling updates\n\n");
		this.rollingUpdates.forEach((line) -> md.append("- ").append(line).append('\n'));
		md.append("\n## Gateway warnings and errors\n\n");
		md.append("Every WARN and ERROR line the gateway replicas logged (target/child-jvms/soak-gateway-*.log),")
			.append(" numbers replaced by N:\n\n| count | line |\n|---|---|\n");
		this.gatewayLog.forEach((line, count) -> md.append("| ")
			.append(count)
			.append(" | `")
			.append(line.replace("|", "\\|"))
			.append("`")
			.append(" |\n"));
		md.append("\n## Checks\n\n");
		for (String[] check : this.checks) {
			md.append("- ").append(check[0]).append(": ").append(check[1]);
			if (!check[2].isEmpty()) {
				md.append(" (").append(check[2]).append(')');
			}
			md.append('\n');
		}
		md.append("\n## Gateway metrics at the end\n\n");
		this.finalMetrics.forEach((replica, lines) -> {
			md.append(replica).append(":\n\n```\n");
			lines.forEach((line) -> md.append(line).append('\n'));
			md.append("```\n\n");
		});
		return md.toString();
	}

	/** Reads the WARN and ERROR lines of the gateways' logs. */
	void readGatewayLogs(Path directory) throws IOException {
		try (DirectoryStream<Path> logs = Files.newDirectoryStream(directory, "soak-gateway-*.log")) {
			for (Path log : logs) {
				List<String> lines = Files.readAllLines(log);
				for (int i = 0; i < lines.size(); i++) {
					Matcher matcher = LOG_LINE.matcher(lines.get(i));
					if (matcher.find()) {
						String message = matcher.group(1) + " " + matcher.group(2).trim() + ": " + matcher.group(3);
						if (matcher.group(1).equals("ERROR")) {
							message += exceptionAfter(lines, i);
						}
						message = message.replaceAll("[0-9]+", "N");
						this.gatewayLog.merge((message.length() > 300) ? message.substring(0, 300) : message, 1,
								Integer::sum);
					}
				}
			}
		}
	}

	/** The exception an ERROR line is followed by (its first line), or "". */
	private static String exceptionAfter(List<String> lines, int index) {
		for (int i = index + 1; i < Math.min(lines.size(), index + 4); i++) {
			String line = lines.get(i).trim();
			if (!line.isEmpty()) {
				return LOG_LINE.matcher(lines.get(i)).find() ? "" : " / " + line;
			}
		}
		return "";
	}

	/** About 20 of the Redis key samples, evenly spaced, for the report. */
	private String sampled() {
		List<String> samples = new ArrayList<>();
		int step = Math.max(1, this.redisKeys.size() / 20);
		for (int i = 0; i < this.redisKeys.size(); i += step) {
			samples.add(String.valueOf(this.redisKeys.get(i)[1]));
		}
		return String.join(", ", samples);
	}

	static String mib(double bytes) {
		return String.format("%.1f", bytes / MIB);
	}

	/** CPU time of one process, sampled. */
	static final class Cpu {

		long pid = -1;

		long lastTicks;

		long lastAt;

		long totalTicks;

		long totalNanos;

		double max;

		/** Adds a sample of {@code pid}'s CPU ticks (100 per second) at {@code at}. */
		synchronized void sample(long pid, long ticks, long at) {
			if (ticks < 0) {
				return;
			}
			if (pid == this.pid && at > this.lastAt) {
				long used = ticks - this.lastTicks;
				long elapsed = at - this.lastAt;
				this.totalTicks += used;
				this.totalNanos += elapsed;
				this.max = Math.max(this.max, used * 1e9 / 100 / elapsed * 100);
			}
			this.pid = pid;
			this.lastTicks = ticks;
			this.lastAt = at;
		}

		synchronized double mean() {
			return (this.totalNanos > 0) ? this.totalTicks * 1e9 / 100 / this.totalNanos * 100 : 0;
		}

	}

	/** A route edit: what it changed and what it did. */
	static final class Edit {

		final int edit;

		final String what;

		Window window;

		long appliedMs = -1;

		boolean applied;

		boolean served;

		double gatewayCloses;

		double reloads;

		Edit(int edit, String what) {
			this.edit = edit;
			this.what = what;
		}

	}

}
