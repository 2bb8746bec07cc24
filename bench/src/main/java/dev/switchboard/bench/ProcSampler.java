package dev.switchboard.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * CPU time and RSS of named process groups sampled every 200 ms, for a window in which
 * processes come and go (a proxy restarted in the middle of it). A group is "pid,pid" or
 * "@pidfile" (re-read at every sample), always with the processes' children (nginx's
 * workers). A group's CPU over the window is, per process, its utime+stime at its last
 * sample minus its value at the window's start (0 for a process started inside the
 * window, so a new JVM's start-up counts); a process that exits loses at most its last
 * 200 ms. RSS peak: the largest sum of the group's VmRSS at one sample.
 */
final class ProcSampler {

	final Map<String, String> groups = new LinkedHashMap<>();

	final long clkTck;

	private volatile Window window;

	private volatile boolean stopped;

	private Thread thread;

	ProcSampler(List<String> specs, long clkTck) {
		this.clkTck = clkTck;
		for (String s : specs) {
			int eq = s.indexOf('=');
			if (eq > 0) {
				groups.put(s.substring(0, eq), s.substring(eq + 1));
			}
		}
	}

	/** group -> the processes at start(): the generation serving before any restart. */
	private final Map<String, Set<Long>> first = new HashMap<>();

	void start() {
		for (var g : groups.entrySet()) {
			first.put(g.getKey(), pids(g.getValue()));
		}
		thread = new Thread(() -> {
			while (!stopped) {
				Window w = window;
				if (w != null) {
					w.sample();
				}
				try {
					Thread.sleep(200);
				}
				catch (InterruptedException e) {
					return;
				}
			}
		}, "proc-sampler");
		thread.setDaemon(true);
		thread.start();
	}

	/** Opens the window now (the cut was a few ms ago). */
	Window windowFrom(long cutNs) {
		Window w = new Window(cutNs);
		window = w;
		return w;
	}

	void close(Window w) {
		stopped = true;
		if (thread != null) {
			thread.interrupt();
		}
		w.sample();
		w.endSelfNs = CpuMeter.selfCpuNs();
		w.endMachine = CpuMeter.machineTicks();
		w.endNs = System.nanoTime();
	}

	Set<Long> pids(String spec) {
		Set<Long> out = new TreeSet<>();
		for (long pid : CpuMeter.pids(spec)) {
			addWithChildren(pid, out, 0);
		}
		return out;
	}

	private static void addWithChildren(long pid, Set<Long> out, int depth) {
		if (!out.add(pid) || depth > 3) {
			return;
		}
		try {
			String ch = Files.readString(Path.of("/proc/" + pid + "/task/" + pid + "/children")).trim();
			if (!ch.isEmpty()) {
				for (String c : ch.split("\\s+")) {
					addWithChildren(Long.parseLong(c), out, depth + 1);
				}
			}
		}
		catch (IOException | RuntimeException e) {
			// gone
		}
	}

	static long rssKb(long pid) {
		try {
			for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
				if (l.startsWith("VmRSS:")) {
					return Long.parseLong(l.replaceAll("[^0-9]", ""));
				}
			}
		}
		catch (IOException | RuntimeException e) {
			// gone
		}
		return 0;
	}

	final class Window {

		final long startNs;

		final long startSelfNs = CpuMeter.selfCpuNs();

		final long[] startMachine = CpuMeter.machineTicks();

		long endNs;

		long endSelfNs;

		long[] endMachine;

		/** group -> pid -> ticks at the window's start. */
		final Map<String, Map<Long, Long>> base = new HashMap<>();

		/** group -> pid -> ticks at the last sample. */
		final Map<String, Map<Long, Long>> last = new HashMap<>();

		final Map<String, Long> rssPeakKb = new HashMap<>();

		/**
		 * The same for the processes started inside the window only (a restart's new
		 * generation).
		 */
		final Map<String, Long> rssNewPeakKb = new HashMap<>();

		Window(long startNs) {
			this.startNs = startNs;
			for (var g : groups.entrySet()) {
				Map<Long, Long> b = new HashMap<>();
				for (long pid : pids(g.getValue())) {
					b.put(pid, CpuMeter.procTicks(pid));
				}
				base.put(g.getKey(), b);
				last.put(g.getKey(), new HashMap<>(b));
			}
		}

		synchronized void sample() {
			for (var g : groups.entrySet()) {
				Map<Long, Long> l = last.get(g.getKey());
				Set<Long> gen0 = first.getOrDefault(g.getKey(), Set.of());
				long rss = 0;
				long rssNew = 0;
				for (long pid : pids(g.getValue())) {
					long t = CpuMeter.procTicks(pid);
					if (t > 0) {
						l.put(pid, t);
						long kb = rssKb(pid);
						rss += kb;
						if (!gen0.contains(pid)) {
							rssNew += kb;
						}
					}
				}
				rssPeakKb.merge(g.getKey(), rss, Math::max);
				rssNewPeakKb.merge(g.getKey(), rssNew, Math::max);
			}
		}

		synchronized void report(Result r) {
			double wall = (endNs - startNs) / 1e9;
			r.put("wall_s", wall);
			for (String name : groups.keySet()) {
				Map<Long, Long> b = base.get(name);
				long sum = 0;
				for (var e : last.get(name).entrySet()) {
					sum += e.getValue() - b.getOrDefault(e.getKey(), 0L);
				}
				r.put("cpu_" + name + "_s", sum / (double) clkTck);
				r.put("rss_" + name + "_peak_kb", rssPeakKb.getOrDefault(name, 0L));
				r.put("rss_" + name + "_new_peak_kb", rssNewPeakKb.getOrDefault(name, 0L));
				r.put("pids_" + name, String.join(",", last.get(name).keySet().stream().map(String::valueOf).toList()));
			}
			r.put("cpu_lg_s", (endSelfNs - startSelfNs) / 1e9);
			long total = endMachine[0] - startMachine[0];
			long idle = endMachine[1] - startMachine[1];
			if (total > 0) {
				r.put("busy_pct", 100.0 * (total - idle) / total);
				r.put("cpu_machine_s", (total - idle) / (double) clkTck);
			}
		}

	}

}
