package dev.switchboard.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * {@code storm-report}: bench/RESULTS-storm.md from storm.sh's RESULT lines (one per
 * storm: rep, variant, target, the figures of {@link StormGen} plus the script's
 * timeline, heap peak and proxy-log counts).
 */
final class StormReport {

	static final String SB = "switchboard";

	static final String NGINX = "nginx";

	static final Map<String, String> VARIANT_TITLE = new LinkedHashMap<>();

	static {
		VARIANT_TITLE.put("restart",
				"Proxy restarted, tunnels cut at once (SIGTERM, fresh process on the same port; Switchboard with "
						+ "`--switchboard.shutdown.accept-delay=0 --switchboard.shutdown.close-spread=0`)");
		VARIANT_TITLE.put("warm", "Warm proxy: the load generator drops every connection at once, the proxy stays up");
		VARIANT_TITLE.put("defaults",
				"Proxy restarted, Switchboard with its shipped shutdown (accept-delay 5 s, close-spread 10 s): "
						+ "compared with nginx's restart figures");
	}

	private StormReport() {
	}

	public static void main(String[] args) throws Exception {
		Opts o = new Opts(args);
		List<Map<String, String>> rows = new ArrayList<>();
		for (String l : Files.readAllLines(Path.of(o.str("results", "results.txt")))) {
			if (l.startsWith("RESULT ")) {
				rows.add(Result.parse(l));
			}
		}
		Map<String, String> meta = new LinkedHashMap<>();
		for (String l : Files.readAllLines(Path.of(o.str("meta", "meta.txt")))) {
			int eq = l.indexOf('=');
			if (eq > 0) {
				meta.put(l.substring(0, eq), l.substring(eq + 1));
			}
		}
		List<String> problems = readOrEmpty(o.str("problems", null));
		List<String> disturbances = readOrEmpty(o.str("disturbances", null));
		StringBuilder md = new StringBuilder();
		write(md, rows, meta, problems, disturbances);
		// hand-written findings are carried over from the previous report
		String old = o.str("old", null);
		if (old != null && Files.exists(Path.of(old))) {
			String prev = Files.readString(Path.of(old));
			int at = prev.indexOf("\n## Notes");
			if (at >= 0) {
				int end = prev.indexOf("\n## ", at + 5);
				String notes = prev.substring(at + 1, end < 0 ? prev.length() : end + 1);
				int raw = md.indexOf("## Proxy logs");
				md.insert(raw < 0 ? md.length() : raw, notes.endsWith("\n\n") ? notes : notes + "\n");
			}
		}
		Files.writeString(Path.of(o.str("out", "RESULTS-storm.md")), md.toString());
	}

	static List<String> readOrEmpty(String file) throws Exception {
		return file == null || !Files.exists(Path.of(file)) ? List.of() : Files.readAllLines(Path.of(file));
	}

	static List<Map<String, String>> select(List<Map<String, String>> rows, String variant, String target) {
		return rows.stream()
			.filter(r -> variant.equals(r.get("variant")) && target.equals(r.get("target")))
			.sorted((a, b) -> a.getOrDefault("rep", "").compareTo(b.getOrDefault("rep", "")))
			.toList();
	}

	static double[] values(List<Map<String, String>> rs, Function<Map<String, String>, Double> f) {
		return rs.stream()
			.map(f)
			.filter(v -> v != null && Double.isFinite(v))
			.mapToDouble(Double::doubleValue)
			.toArray();
	}

	static Double num(Map<String, String> r, String k) {
		String v = r.get(k);
		if (v == null || v.equals("nan")) {
			return null;
		}
		try {
			return Double.parseDouble(v);
		}
		catch (NumberFormatException e) {
			return null;
		}
	}

	static double median(double[] v) {
		double[] s = v.clone();
		Arrays.sort(s);
		int n = s.length;
		return n == 0 ? Double.NaN : (n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2);
	}

	static String fmt(double v) {
		if (!Double.isFinite(v)) {
			return "-";
		}
		double a = Math.abs(v);
		if (v == Math.rint(v) && a < 1e15) {
			return String.format(Locale.ROOT, "%,.0f", v);
		}
		if (a >= 1000) {
			return String.format(Locale.ROOT, "%,.0f", v);
		}
		if (a >= 100) {
			return String.format(Locale.ROOT, "%.0f", v);
		}
		if (a >= 10) {
			return String.format(Locale.ROOT, "%.1f", v);
		}
		return String.format(Locale.ROOT, "%.2f", v);
	}

	/** "median [min-max]" (just the value for one repetition). */
	static String cell(double[] v) {
		if (v.length == 0) {
			return "-";
		}
		if (v.length == 1) {
			return fmt(v[0]);
		}
		double min = Arrays.stream(v).min().getAsDouble();
		double max = Arrays.stream(v).max().getAsDouble();
		return "**" + fmt(median(v)) + "** [" + fmt(min) + "-" + fmt(max) + "]";
	}

	record Metric(String label, Function<Map<String, String>, Double> f, boolean ratio) {
	}

	static Metric m(String label, String key) {
		return new Metric(label, r -> num(r, key), false);
	}

	static Metric mr(String label, String key) {
		return new Metric(label, r -> num(r, key), true);
	}

	static List<Metric> metrics() {
		List<Metric> l = new ArrayList<>();
		l.add(mr("time to 50% re-established (s)", "t50_s"));
		l.add(mr("time to 90% re-established (s)", "t90_s"));
		l.add(mr("**time to 99% re-established (s)**", "t99_s"));
		l.add(mr("**time to 100% re-established (s)**", "t100_s"));
		l.add(m("storms complete (all clients back)", "complete"));
		l.add(mr("reconnect attempts", "attempts"));
		for (StormGen.Kind k : StormGen.Kind.values()) {
			l.add(m("&nbsp;&nbsp;outcome " + k.key + (k.allowed() ? "" : " (not allowed)"), "o_" + k.key));
		}
		l.add(mr("connect→101 p50 of successful reconnects (ms)", "c101_p50_ms"));
		l.add(mr("**connect→101 p99 (ms)**", "c101_p99_ms"));
		l.add(mr("connect→101 max (ms)", "c101_max_ms"));
		l.add(mr("client's cut→its tunnel back, p50 (ms)", "back_p50_ms"));
		l.add(mr("client's cut→its tunnel back, p99 (ms)", "back_p99_ms"));
		l.add(m("Retry-After mean (ms)", "retry_after_mean_ms"));
		l.add(mr("**proxy CPU over the storm (s, user+sys, all its processes)**", "cpu_proxy_s"));
		l.add(mr("proxy CPU per reconnect (ms)", "cpu_per_reconnect_ms"));
		l.add(m("load generator CPU (s)", "cpu_lg_s"));
		l.add(m("echo backend CPU (s)", "cpu_backend_s"));
		l.add(m("other processes CPU (s)", "cpu_other_s"));
		l.add(m("storm window (s, cut → all back or timeout)", "wall_s"));
		l.add(m("**Switchboard heap used, peak (MiB, jstat every 200 ms)**", "heap_peak_mb"));
		l.add(m("Switchboard old gen used, peak (MiB)", "old_peak_mb"));
		l.add(mr("proxy RSS peak (MiB, the serving generation)", "rss_mb"));
		l.add(m("restart: SIGTERM → port free (ms)", "port_free_ms"));
		l.add(mr("restart: SIGTERM → new process listening (ms)", "new_port_open_ms"));
		l.add(m("proxy log WARN lines", "log_warn"));
		l.add(m("proxy log ERROR lines", "log_error"));
		return l;
	}

	/** Derived fields. */
	static void derive(Map<String, String> r) {
		Double cpu = num(r, "cpu_proxy_s");
		Double back = num(r, "reestablished");
		if (cpu != null && back != null && back > 0) {
			r.put("cpu_per_reconnect_ms", String.valueOf(1000 * cpu / back));
		}
		Double machine = num(r, "cpu_machine_s");
		if (machine != null) {
			double other = machine - nz(num(r, "cpu_lg_s")) - nz(num(r, "cpu_backend_s")) - nz(cpu);
			r.put("cpu_other_s", String.valueOf(Math.max(0, other)));
		}
		// restart: the serving (new) generation's RSS; warm: the one process group
		Double rss = "warm".equals(r.get("variant")) ? num(r, "rss_proxy_peak_kb") : num(r, "rss_proxy_new_peak_kb");
		if (rss != null && rss > 0) {
			r.put("rss_mb", String.valueOf(rss / 1024));
		}
	}

	static double nz(Double d) {
		return d == null ? 0 : d;
	}

	static void write(StringBuilder md, List<Map<String, String>> rows, Map<String, String> meta, List<String> problems,
			List<String> disturbances) {
		rows.forEach(StormReport::derive);
		md.append("# Reconnect storm: Switchboard vs nginx\n\n");
		md.append("Generated by `bench/storm.sh` (issue #12) on ")
			.append(meta.getOrDefault("date", "?"))
			.append(".\n\n");
		md.append("- Machine: ")
			.append(meta.getOrDefault("machine", "?"))
			.append("; ")
			.append(meta.getOrDefault("java", ""));
		md.append("\n- Clients: **").append(meta.getOrDefault("clients", "?")).append("** tunnels");
		if (meta.containsKey("clients_reduced")) {
			md.append(" (").append(meta.get("clients_reduced")).append(")");
		}
		md.append("; repetitions: ").append(meta.getOrDefault("reps", "?")).append(" (interleaved)\n");
		md.append("- Client behaviour: ")
			.append(meta.getOrDefault("backoff", ""))
			.append(". Each client reconnects after its own cut with jittered exponential backoff: the wait before reconnect attempt j is uniform in [0.5 b, min(1.5 b, max)], b = min(max, initial × multiplier^j) (so the first reconnect waits 50-150 ms); after a 503 with Retry-After it waits max(Retry-After, its backoff), as good client libraries do; a refused connect or any other failure backs off. Re-established = 101 + one echo.\n");
		md.append("- nginx: ").append(meta.getOrDefault("nginx", "")).append("\n");
		md.append("- Switchboard: ")
			.append(meta.getOrDefault("sb", ""))
			.append("; warm variant: ")
			.append(meta.getOrDefault("sb_warm_s", "0"))
			.append(" s of handshakes first (JIT warm-up; nginx needs none)\n");
		md.append(
				"- Times run from the **cut** (the first disconnect any client saw). CPU: user+sys from /proc over the storm window; for a restart it includes the old process's shutdown and the whole start-up of the new one (a JVM's class loading and JIT). Heap: jstat -gc every 200 ms (S0U+S1U+EU+OU) of the JVM serving the storm. RSS: sum of the serving process group's VmRSS, sampled every 200 ms.\n");
		md.append("- Total run time ").append(meta.getOrDefault("total_s", "?")).append(" s.\n\n");

		md.append("## Summary\n\n");
		md.append(
				"Goal: time to 99% re-established ≤ 1.5× nginx's, and no client sees anything but a 101, a 503 with Retry-After, or a refused TCP connection.\n\n");
		md.append(
				"| Variant | Switchboard: 99% back (s) | nginx: 99% back (s) | ratio | ≤ 1.5× nginx? | Switchboard 100% (s) | nginx 100% (s) | Switchboard: only 101 / 503+RA / refused? | nginx: the same? |\n");
		md.append("|---|---|---|---|---|---|---|---|---|\n");
		for (String v : VARIANT_TITLE.keySet()) {
			List<Map<String, String>> sb = select(rows, v, SB);
			if (sb.isEmpty()) {
				continue;
			}
			List<Map<String, String>> ng = select(rows, v.equals("defaults") ? "restart" : v, NGINX);
			double s99 = median(values(sb, r -> num(r, "t99_s")));
			double n99 = median(values(ng, r -> num(r, "t99_s")));
			double ratio = s99 / n99;
			md.append("| ").append(v).append(" | ").append(cell(values(sb, r -> num(r, "t99_s"))));
			md.append(" | ")
				.append(cell(values(ng, r -> num(r, "t99_s"))))
				.append(v.equals("defaults") ? " (restart)" : "");
			md.append(" | ").append(fmt(ratio)).append("x | ");
			md.append(Double.isFinite(ratio) ? (ratio <= 1.5 ? "**met**" : "**missed**") : "-");
			md.append(" | ").append(cell(values(sb, r -> num(r, "t100_s"))));
			md.append(" | ").append(cell(values(ng, r -> num(r, "t100_s"))));
			md.append(" | ").append(allowed(sb)).append(" | ").append(allowed(ng)).append(" |\n");
		}
		md.append("\n");

		for (var ve : VARIANT_TITLE.entrySet()) {
			String v = ve.getKey();
			List<Map<String, String>> sb = select(rows, v, SB);
			List<Map<String, String>> ng = select(rows, v.equals("defaults") ? "restart" : v, NGINX);
			if (sb.isEmpty() && ng.isEmpty()) {
				continue;
			}
			md.append("## Variant `").append(v).append("`: ").append(ve.getValue()).append("\n\n");
			md.append("Median [min-max] over ").append(Math.max(sb.size(), ng.size())).append(" repetition(s)");
			if (v.equals("defaults")) {
				md.append("; the nginx column repeats nginx's `restart` figures");
			}
			md.append(".\n\n| | Switchboard | nginx | Switchboard ÷ nginx |\n|---|---|---|---|\n");
			for (Metric mt : metrics()) {
				double[] a = values(sb, mt.f());
				double[] b = values(ng, mt.f());
				if (a.length == 0 && b.length == 0) {
					continue;
				}
				String ratio = "";
				if (mt.ratio() && a.length > 0 && b.length > 0 && median(b) != 0) {
					ratio = fmt(median(a) / median(b)) + "x";
				}
				md.append("| ")
					.append(mt.label())
					.append(" | ")
					.append(cell(a))
					.append(" | ")
					.append(cell(b))
					.append(" | ")
					.append(ratio)
					.append(" |\n");
			}
			md.append(
					"\nWhat the clients saw, per repetition (HTTP statuses of the reconnect attempts; how the tunnels were cut; anything but 101 / 503+Retry-After / refused):\n\n");
			md.append(
					"| Target | Rep | statuses | cut | other than allowed | connect errors |\n|---|---|---|---|---|---|\n");
			for (var r : concat(sb, v.equals("defaults") ? List.of() : ng)) {
				md.append("| ")
					.append(r.get("target"))
					.append(" | ")
					.append(r.get("rep"))
					.append(" | ")
					.append(r.getOrDefault("statuses", "-"))
					.append(" | ")
					.append(r.getOrDefault("cut_how", "-"))
					.append(" | ")
					.append(r.getOrDefault("other_seen", "-"))
					.append(" | ")
					.append(r.getOrDefault("connect_errors", "none"))
					.append(" |\n");
			}
			md.append(
					"\nPer-second curves (second 0 starts at the cut): tunnels re-established in that second, cumulative % of clients back at its end, reconnect attempts, 503s, refused connects, other failures.\n\n```\n");
			for (var r : concat(sb, v.equals("defaults") ? List.of() : ng)) {
				curves(md, r);
			}
			md.append("```\n\n");
		}

		md.append("## Proxy logs: WARN / ERROR lines\n\n");
		if (problems.isEmpty()) {
			md.append("None in any run.\n\n");
		}
		else {
			md.append(
					"Per run (`rep-variant-target`), count and line (timestamps, thread names and numbers stripped):\n\n```\n");
			problems.forEach(p -> md.append(p).append('\n'));
			md.append("```\n\n");
		}
		md.append("## Disturbances\n\n");
		if (disturbances.isEmpty()) {
			md.append(
					"None recorded: every storm started on a quiet machine (no other Maven build, test or benchmark running, less than 25% of a core busy).\n\n");
		}
		else {
			disturbances.forEach(d -> md.append("- ").append(d).append('\n'));
			md.append('\n');
		}
		md.append("## Raw results\n\n```\n");
		for (Map<String, String> r : rows) {
			StringBuilder sb = new StringBuilder("RESULT");
			r.forEach((k, val) -> {
				if (!k.startsWith("curve_") && !k.equals("cpu_per_reconnect_ms") && !k.equals("cpu_other_s")
						&& !k.equals("rss_mb")) {
					sb.append(' ').append(k).append('=').append(val);
				}
			});
			md.append(sb).append('\n');
		}
		md.append("```\n");
	}

	static List<Map<String, String>> concat(List<Map<String, String>> a, List<Map<String, String>> b) {
		List<Map<String, String>> l = new ArrayList<>(a);
		l.addAll(b);
		return l;
	}

	static String allowed(List<Map<String, String>> rs) {
		if (rs.isEmpty()) {
			return "-";
		}
		long bad = rs.stream().filter(r -> !"1".equals(r.get("only_allowed"))).count();
		if (bad == 0) {
			return "yes (all reps)";
		}
		Map<String, Long> seen = new TreeMap<>();
		for (var r : rs) {
			String s = r.getOrDefault("other_seen", "none");
			if (!s.equals("none")) {
				for (String kv : s.split(",")) {
					String[] p = kv.split(":");
					seen.merge(p[0], p.length > 1 ? Long.parseLong(p[1]) : 1, Long::sum);
				}
			}
		}
		return "**no** (" + bad + " of " + rs.size() + " reps; " + seen.toString().replaceAll("[{}]", "") + ")";
	}

	static void curves(StringBuilder md, Map<String, String> r) {
		String est = r.getOrDefault("curve_est", "");
		if (est.isEmpty()) {
			return;
		}
		double clients = nz(num(r, "clients"));
		String[] e = est.split(",");
		StringBuilder cum = new StringBuilder();
		long sum = 0;
		for (int i = 0; i < e.length; i++) {
			sum += Long.parseLong(e[i]);
			cum.append(i == 0 ? "" : ",")
				.append(clients > 0 ? String.format(Locale.ROOT, "%.0f", 100 * sum / clients) : "?");
		}
		String head = r.get("target") + " r" + r.get("rep");
		md.append(String.format(Locale.ROOT, "%-15s back/s    %s%n", head, est));
		md.append(String.format(Locale.ROOT, "%-15s back %%    %s%n", "", cum));
		md.append(String.format(Locale.ROOT, "%-15s attempts  %s%n", "", r.getOrDefault("curve_attempts", "")));
		md.append(String.format(Locale.ROOT, "%-15s 503/s     %s%n", "", r.getOrDefault("curve_503", "")));
		md.append(String.format(Locale.ROOT, "%-15s refused/s %s%n", "", r.getOrDefault("curve_refused", "")));
		md.append(String.format(Locale.ROOT, "%-15s other/s   %s%n", "", r.getOrDefault("curve_other", "")));
	}

}
