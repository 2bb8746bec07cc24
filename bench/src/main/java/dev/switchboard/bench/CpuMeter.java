package dev.switchboard.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time of named process groups (utime+stime from /proc/PID/stat, summed over the
 * group's PIDs), of this JVM (the load generator) and of the whole machine (/proc/stat),
 * snapshotted at the start and the end of a measured window.
 */
final class CpuMeter {

	/**
	 * name -> "pid,pid,..." or "@file" (a file holding the PIDs, read at every snapshot).
	 */
	final Map<String, String> groups = new LinkedHashMap<>();

	final long clkTck;

	/** specs: "name=pid,pid,..." or "name=@pidfile" */
	CpuMeter(List<String> specs, long clkTck) {
		this.clkTck = clkTck;
		for (String s : specs) {
			int eq = s.indexOf('=');
			if (eq > 0) {
				groups.put(s.substring(0, eq), s.substring(eq + 1));
			}
		}
	}

	static long[] pids(String spec) {
		String list = spec;
		if (spec.startsWith("@")) {
			try {
				list = Files.readString(Path.of(spec.substring(1)));
			}
			catch (IOException e) {
				return new long[0];
			}
		}
		return java.util.Arrays.stream(list.split("[,\\s]+"))
			.filter(x -> !x.isBlank())
			.mapToLong(Long::parseLong)
			.toArray();
	}

	final class Snap {

		final long wallNs = System.nanoTime();

		final Map<String, Long> ticks = new LinkedHashMap<>();

		final long selfNs = selfCpuNs();

		final long[] machine = machineTicks();

		Snap() {
			for (var e : groups.entrySet()) {
				long sum = 0;
				for (long pid : pids(e.getValue())) {
					sum += procTicks(pid);
				}
				ticks.put(e.getKey(), sum);
			}
		}

	}

	Snap snap() {
		return new Snap();
	}

	/** Adds cpu_NAME_s, lg_cpu_s, wall_s, busy_pct for the window a..b to the result. */
	void report(Snap a, Snap b, Result r) {
		double wall = (b.wallNs - a.wallNs) / 1e9;
		r.put("wall_s", wall);
		for (String name : groups.keySet()) {
			r.put("cpu_" + name + "_s", (b.ticks.get(name) - a.ticks.get(name)) / (double) clkTck);
		}
		r.put("cpu_lg_s", (b.selfNs - a.selfNs) / 1e9);
		long total = b.machine[0] - a.machine[0];
		long idle = b.machine[1] - a.machine[1];
		if (total > 0) {
			r.put("busy_pct", 100.0 * (total - idle) / total);
			r.put("cpu_machine_s", (total - idle) / (double) clkTck);
		}
	}

	static long selfCpuNs() {
		var os = ManagementFactory.getOperatingSystemMXBean();
		if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
			return sun.getProcessCpuTime();
		}
		return procTicks(ProcessHandle.current().pid()) * 10_000_000L;
	}

	/** utime + stime of a process (all its threads), in clock ticks; 0 if it is gone. */
	static long procTicks(long pid) {
		try {
			String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
			String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
			// f[0] is field 3 (state); utime is field 14, stime field 15
			return Long.parseLong(f[11]) + Long.parseLong(f[12]);
		}
		catch (IOException | RuntimeException e) {
			return 0;
		}
	}

	/** {total, idle+iowait} jiffies of the whole machine. */
	static long[] machineTicks() {
		try {
			String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
			String[] f = line.trim().split("\\s+");
			long total = 0;
			for (int i = 1; i < f.length && i <= 8; i++) {
				total += Long.parseLong(f[i]);
			}
			return new long[] { total, Long.parseLong(f[4]) + Long.parseLong(f[5]) };
		}
		catch (IOException | RuntimeException e) {
			return new long[] { 0, 0 };
		}
	}

}
