package dev.switchboard.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Turns the RESULT lines collected by run.sh into the Markdown report (bench/RESULTS.md):
 * report --results FILE --meta FILE --out FILE [--old FILE] [--strict]. With --strict it
 * exits 1 when a leg that was run produced no working result for some workload.
 */
final class Report {

	static final String DIRECT = "direct";
	static final String NGINX = "nginx";
	static final String SB = "switchboard";
	static final String SBM = "switchboard_metrics";
	static final String[] LEGS = { DIRECT, NGINX, SB };
	static final String TRIED_HEADING = "## What was tried";

	enum Goal {

		NONE, RATIO_GE, RATIO_LE, ABS_LE

	}

	record Metric(String section, String label, String unit, String workload, Function<Map<String, String>, Double> f,
			Goal goal, double target, String targetText, String[] legs) {
	}

	final List<Map<String, String>> rows = new ArrayList<>();

	final Map<String, String> meta = new LinkedHashMap<>();

	final List<String> problems = new ArrayList<>();

	static Double d(Map<String, String> r, String k) {
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

	static Function<Map<String, String>, Double> key(String k, double scale) {
		return r -> {
			Double v = d(r, k);
			return v == null ? null : v * scale;
		};
	}

	static Function<Map<String, String>, Double> perUnit(String cpuKey, String unitsKey, double scale) {
		return r -> {
			Double c = d(r, cpuKey);
			Double u = d(r, unitsKey);
			return c == null || u == null || u <= 0 ? null : c * scale / u;
		};
	}

	static Function<Map<String, String>, Double> pct(String cpuKey) {
		return r -> {
			Double c = d(r, cpuKey);
			Double w = d(r, "wall_s");
			return c == null || w == null || w <= 0 ? null : 100 * c / w;
		};
	}

	static Function<Map<String, String>, Double> memPerTunnel(String... keys) {
		return r -> {
			Double opened = d(r, "opened");
			if (opened == null || opened <= 0) {
				return null;
			}
			double sum = 0;
			for (String k : keys) {
				Double a = d(r, k + "_before");
				Double b = d(r, k + "_after");
				if (a == null || b == null || a < 0 || b < 0) {
					return null;
				}
				sum += b - a;
			}
			return sum / opened;
		};
	}

	static final String[] ALL = LEGS;
	static final String[] PROXIES = { NGINX, SB };
	static final String[] ONLY_SB = { SB };

	String p(String key, String def) {
		return meta.getOrDefault(key, def);
	}

	List<Metric> metrics() {
		List<Metric> m = new ArrayList<>();
		String hs = "1. Handshakes (connect + upgrade + one echo + close, " + p("p_hs_conc", "32") + " concurrent)";
		m.add(new Metric(hs, "Handshake rate", "cycles/s", "handshake", key("rate", 1), Goal.RATIO_GE, 1.0,
				">= 1.0x nginx", ALL));
		m.add(new Metric(hs, "Handshake latency p50 (connect -> first echo)", "ms", "handshake",
				key("open_p50_us", 1e-3), Goal.NONE, 0, "", ALL));
		m.add(new Metric(hs, "Handshake latency p99 (connect -> first echo)", "ms", "handshake",
				key("open_p99_us", 1e-3), Goal.RATIO_LE, 1.0, "<= nginx", ALL));
		m.add(new Metric(hs, "Upgrade latency p99 (connect -> 101)", "ms", "handshake", key("upgrade_p99_us", 1e-3),
				Goal.NONE, 0, "", ALL));
		m.add(new Metric(hs, "Full cycle latency p99 (connect -> closed)", "ms", "handshake", key("cycle_p99_us", 1e-3),
				Goal.NONE, 0, "", ALL));
		m.add(new Metric(hs, "Proxy CPU per handshake", "us", "handshake", perUnit("cpu_proxy_s", "ok_cycles", 1e6),
				Goal.RATIO_LE, 1.0, "<= nginx", PROXIES));
		String lat = "2. Echo latency, open loop, " + p("p_lat_rate", "5,000") + " msg/s over "
				+ p("p_lat_conns", "100") + " connections, 64 B";
		m.add(new Metric(lat, "Echo round trip p50", "us", "latency", key("lat_p50_us", 1), Goal.NONE, 0, "", ALL));
		m.add(new Metric(lat, "Echo round trip p99", "us", "latency", key("lat_p99_us", 1), Goal.RATIO_LE, 1.0,
				"<= nginx", ALL));
		m.add(new Metric(lat, "Echo round trip p99.9", "us", "latency", key("lat_p999_us", 1), Goal.NONE, 0, "", ALL));
		m.add(new Metric(lat, "Echo round trip max", "us", "latency", key("lat_max_us", 1), Goal.NONE, 0, "", ALL));
		m.add(new Metric(lat, "Messages lost (not echoed within 5 s)", "msgs", "latency", key("lost", 1), Goal.NONE, 0,
				"", ALL));
		m.add(new Metric(lat, "Load generator's own send lag p99 (already inside the latencies above)", "us", "latency",
				key("sendlag_p99_us", 1), Goal.NONE, 0, "", ALL));
		m.add(new Metric(lat, "Proxy CPU per message at " + p("p_lat_rate", "5,000") + " msg/s", "us", "latency",
				perUnit("cpu_proxy_s", "received", 1e6), Goal.NONE, 0, "", PROXIES));
		String thr = "3. Echo throughput, 64 B, " + p("p_thr_conns", "50") + " connections x "
				+ p("p_thr_inflight", "16") + " in flight";
		m.add(new Metric(thr, "Echo throughput", "msg/s", "throughput", key("msgs_per_s", 1), Goal.RATIO_GE, 1.0,
				">= 1.0x nginx", ALL));
		m.add(new Metric(thr, "Proxy CPU per message", "us", "throughput", perUnit("cpu_proxy_s", "messages", 1e6),
				Goal.RATIO_LE, 1.1, "<= 1.1x nginx", PROXIES));
		String big = "4. Large messages, 1 MiB binary echo, " + p("p_big_conns", "4") + " connections x 1 in flight";
		m.add(new Metric(big, "1 MiB echo throughput", "MiB/s", "large", key("mib_per_s", 1), Goal.RATIO_GE, 1.5,
				">= 1.5x nginx", ALL));
		m.add(new Metric(big, "Proxy CPU per MiB echoed", "ms", "large", r -> {
			Double c = d(r, "cpu_proxy_s");
			Double msgs = d(r, "messages");
			Double size = d(r, "size");
			return c == null || msgs == null || size == null || msgs <= 0 ? null : c * 1e3 / (msgs * size / (1 << 20));
		}, Goal.NONE, 0, "", PROXIES));
		String idle = "5. Memory per idle tunnel (" + p("p_idle_n", "5,000") + " open tunnels)";
		m.add(new Metric(idle,
				"Per tunnel: nginx = worker RSS growth; Switchboard = heap after full GC + Netty direct memory", "B",
				"idle",
				r -> SB.equals(r.get("leg")) ? memPerTunnel("heap", "netty_direct").apply(r)
						: memPerTunnel("rss").apply(r),
				Goal.ABS_LE, 4096, "<= 4 KiB (Switchboard heap + direct)", PROXIES));
		m.add(new Metric(idle, "Switchboard heap (after full GC) per tunnel", "B", "idle", memPerTunnel("heap"),
				Goal.NONE, 0, "", ONLY_SB));
		m.add(new Metric(idle, "Switchboard Netty direct memory per tunnel", "B", "idle", memPerTunnel("netty_direct"),
				Goal.NONE, 0, "", ONLY_SB));
		m.add(new Metric(idle, "Process RSS growth per tunnel (same measure for both)", "B", "idle",
				memPerTunnel("rss"), Goal.NONE, 0, "", PROXIES));
		return m;
	}

	// ------------------------------------------------------------------ statistics

	record Stat(double median, double min, double max, int n, int failed) {
	}

	Stat stat(Metric m, String leg) {
		List<Double> vals = new ArrayList<>();
		int failed = 0;
		for (Map<String, String> r : rows) {
			if (!m.workload().equals(r.get("workload")) || !leg.equals(r.get("leg")) || r.containsKey("kind")) {
				continue;
			}
			Double v = "1".equals(r.get("ok")) ? m.f().apply(r) : null;
			if (v == null) {
				failed++;
			}
			else {
				vals.add(v);
			}
		}
		if (vals.isEmpty()) {
			return failed == 0 ? null : new Stat(Double.NaN, Double.NaN, Double.NaN, 0, failed);
		}
		Collections.sort(vals);
		int n = vals.size();
		double med = n % 2 == 1 ? vals.get(n / 2) : (vals.get(n / 2 - 1) + vals.get(n / 2)) / 2;
		return new Stat(med, vals.get(0), vals.get(n - 1), n, failed);
	}

	static String num(double v) {
		if (Double.isNaN(v)) {
			return "n/a";
		}
		double a = Math.abs(v);
		if (a >= 1000) {
			return String.format(Locale.ROOT, "%,.0f", v);
		}
		else if (a >= 100) {
			return String.format(Locale.ROOT, "%.0f", v);
		}
		else if (a >= 10) {
			return String.format(Locale.ROOT, "%.1f", v);
		}
		else if (a >= 1) {
			return String.format(Locale.ROOT, "%.2f", v);
		}
		else if (a == 0) {
			return "0";
		}
		return String.format(Locale.ROOT, "%.3f", v);
	}

	static String cell(Stat s) {
		if (s == null) {
			return "-";
		}
		if (s.n() == 0) {
			return "**FAILED**";
		}
		String c = num(s.median());
		if (s.n() > 1) {
			c += " [" + num(s.min()) + "–" + num(s.max()) + "]";
		}
		if (s.failed() > 0) {
			c += " (" + s.failed() + " failed)";
		}
		return c;
	}

	static String ratio(Stat a, Stat b) {
		if (a == null || b == null || a.n() == 0 || b.n() == 0 || b.median() == 0) {
			return "-";
		}
		return String.format(Locale.ROOT, "%.2fx", a.median() / b.median());
	}

	// ------------------------------------------------------------------ rendering

	String render(String tried) {
		StringBuilder sb = new StringBuilder();
		boolean smoke = "smoke".equals(meta.get("mode"));
		sb.append("# Switchboard benchmark results\n\n");
		if (smoke) {
			sb.append(
					"> **Smoke run**: tiny counts and durations, 1 repetition. These figures only show that every leg works; "
							+ "they are not measurements.\n\n");
		}
		sb.append("Generated by `bench/run.sh")
			.append(smoke ? " --smoke" : "")
			.append("` on ")
			.append(meta.getOrDefault("date", "?"))
			.append(". How to read this: see [README.md](README.md).\n\n");
		sb.append("## Machine and versions\n\n| | |\n|---|---|\n");
		String[][] metaRows = { { "date", "Date" }, { "cpu_model", "CPU" }, { "nproc", "nproc" },
				{ "mem_total", "Memory" }, { "kernel", "Kernel" },
				{ "java_tools", "Java (load generator, echo backend)" }, { "java_sb", "Java (Switchboard)" },
				{ "sb_jvm_opts", "Switchboard JVM options" }, { "sb_args", "Switchboard arguments" },
				{ "sb_jar", "Switchboard jar" }, { "git_rev", "Git revision" }, { "nginx_version", "nginx" },
				{ "nginx_workers", "nginx worker_processes" }, { "netty", "Load generator / backend" },
				{ "reps", "Repetitions" }, { "durations", "Durations" },
				{ "background_busy", "Machine load before the run" }, { "quiet_wait", "Waiting for quiet" },
				{ "retries", "Disturbed windows" }, { "total_s", "Total run time" }, };
		for (String[] mr : metaRows) {
			if (meta.containsKey(mr[0])) {
				sb.append("| ").append(mr[1]).append(" | ").append(meta.get(mr[0]).replace("|", "\\|")).append(" |\n");
			}
		}
		if (meta.containsKey("skipped")) {
			sb.append("\n**Legs skipped in this run:** ").append(meta.get("skipped")).append("\n");
		}

		sb.append("\n## Results\n\n");
		sb.append(
				"Each cell: median [min–max] over the repetitions. Ratios compare medians. \"Proxy CPU\" is the proxy's own "
						+ "user+system CPU time (nginx: master + workers; Switchboard: the whole JVM) during the measured window, "
						+ "divided by the work done in it. Lower is better for latencies, CPU and memory; higher for rates.\n\n");
		sb.append(
				"| Metric | Unit | direct | nginx | Switchboard | Switchboard ÷ nginx | Switchboard ÷ direct | nginx ÷ direct | Target | Met? |\n");
		sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
		String section = null;
		for (Metric m : metrics()) {
			if (!m.section().equals(section)) {
				section = m.section();
				sb.append("| **").append(section).append("** | | | | | | | | | |\n");
			}
			Map<String, Stat> st = new LinkedHashMap<>();
			for (String leg : LEGS) {
				st.put(leg, List.of(m.legs()).contains(leg) ? stat(m, leg) : null);
			}
			Stat sbS = st.get(SB);
			Stat ngS = st.get(NGINX);
			String met = "";
			if (m.goal() != Goal.NONE) {
				met = "n/a";
				if (sbS != null && sbS.n() > 0) {
					if (m.goal() == Goal.ABS_LE) {
						met = sbS.median() <= m.target() ? "met" : "**missed**";
					}
					else if (ngS != null && ngS.n() > 0 && ngS.median() > 0) {
						double r = sbS.median() / ngS.median();
						boolean ok = m.goal() == Goal.RATIO_GE ? r >= m.target() : r <= m.target();
						met = ok ? "met" : "**missed**";
					}
				}
				else if (sbS != null && sbS.n() == 0) {
					met = "**missed** (failed)";
				}
			}
			sb.append("| ")
				.append(m.label())
				.append(" | ")
				.append(m.unit())
				.append(" | ")
				.append(cell(st.get(DIRECT)))
				.append(" | ")
				.append(cell(ngS))
				.append(" | ")
				.append(cell(sbS))
				.append(" | ")
				.append(ratio(sbS, ngS))
				.append(" | ")
				.append(ratio(sbS, st.get(DIRECT)))
				.append(" | ")
				.append(ratio(ngS, st.get(DIRECT)))
				.append(" | ")
				.append(m.targetText())
				.append(" | ")
				.append(met)
				.append(" |\n");
		}
		renderMetricsHook(sb);
		renderCold(sb);
		renderCpu(sb);
		renderProblems(sb);
		renderRaw(sb);
		sb.append("\n").append(tried == null ? defaultTried() : tried.stripTrailing() + "\n");
		return sb.toString();
	}

	private void renderMetricsHook(StringBuilder sb) {
		String hook = "6. Metrics / access log on vs off (Switchboard only)";
		sb.append("| **").append(hook).append("** | | | | | | | | | |\n");
		Metric thr = metrics().stream()
			.filter(x -> x.workload().equals("throughput") && x.unit().equals("msg/s"))
			.findFirst()
			.orElseThrow();
		Stat off = stat(thr, SB);
		Stat on = stat(thr, SBM);
		if (on == null) {
			sb.append(
					"| Echo throughput cost of metrics on | % | - | - | not measured | - | - | - | <= 5% | n/a (hook: set SB_METRICS_ON_ARGS, see README) |\n");
			return;
		}
		String onCell = cell(on);
		String cost = "-";
		String met = "n/a";
		if (off != null && off.n() > 0 && on.n() > 0) {
			double c = 100 * (1 - on.median() / off.median());
			cost = String.format(Locale.ROOT, "%.1f%%", c);
			met = c <= 5 ? "met" : "**missed**";
		}
		sb.append("| Echo throughput with metrics on (off: row 3) | msg/s | - | - | ")
			.append(onCell)
			.append(" | - | - | - | | |\n");
		sb.append("| Echo throughput cost of metrics on | % | - | - | ")
			.append(cost)
			.append(" | - | - | - | <= 5% | ")
			.append(met)
			.append(" |\n");
	}

	private void renderCold(StringBuilder sb) {
		List<Map<String, String>> cold = new ArrayList<>();
		List<Double> startup = new ArrayList<>();
		for (Map<String, String> r : rows) {
			if ("cold".equals(r.get("kind"))) {
				cold.add(r);
			}
			if ("startup".equals(r.get("workload")) && d(r, "startup_s") != null) {
				startup.add(d(r, "startup_s"));
			}
		}
		if (cold.isEmpty()) {
			return;
		}
		sb.append("\n## JIT warm-up: Switchboard handshake rate right after start\n\n");
		sb.append(
				"A fresh Switchboard JVM is started for every repetition; the load generator (already warmed up on the "
						+ "direct backend) polls the port and starts the handshake workload the moment it accepts TCP, with no warm-up.\n\n");
		sb.append("| Rep | Start-up (launch -> port open) | Handshakes/s, first ")
			.append(meta.getOrDefault("cold_s", "15"))
			.append(" s | Errors | Warmed-up rate (same rep) | Cold ÷ warm | Per-second handshakes |\n|---|---|---|---|---|---|---|\n");
		List<Double> ratios = new ArrayList<>();
		for (Map<String, String> r : cold) {
			String rep = r.getOrDefault("rep", "?");
			Double rate = "1".equals(r.get("ok")) ? d(r, "rate") : null;
			Double warm = null;
			for (Map<String, String> w : rows) {
				if ("handshake".equals(w.get("workload")) && SB.equals(w.get("leg")) && !w.containsKey("kind")
						&& rep.equals(w.get("rep")) && "1".equals(w.get("ok"))) {
					warm = d(w, "rate");
				}
			}
			Double st = null;
			for (Map<String, String> s : rows) {
				if ("startup".equals(s.get("workload")) && rep.equals(s.get("rep"))) {
					st = d(s, "startup_s");
				}
			}
			String cr = rate != null && warm != null && warm > 0 ? String.format(Locale.ROOT, "%.2fx", rate / warm)
					: "-";
			if (rate != null && warm != null && warm > 0) {
				ratios.add(rate / warm);
			}
			sb.append("| ")
				.append(rep)
				.append(" | ")
				.append(st == null ? "-" : num(st) + " s")
				.append(" | ")
				.append(rate == null ? "**FAILED**" : num(rate))
				.append(" | ")
				.append(r.getOrDefault("errors", "-"))
				.append(" | ")
				.append(warm == null ? "-" : num(warm))
				.append(" | ")
				.append(cr)
				.append(" | ")
				.append(r.getOrDefault("series", "").replace(",", ", "))
				.append(" |\n");
		}
		if (!ratios.isEmpty()) {
			Collections.sort(ratios);
			sb.append("\nMedian cold ÷ warm: ")
				.append(String.format(Locale.ROOT, "%.2fx", ratios.get(ratios.size() / 2)))
				.append("\n");
		}
	}

	private void renderCpu(StringBuilder sb) {
		sb.append("\n## CPU use during the measured windows (% of one core; ")
			.append(meta.getOrDefault("nproc", "?"))
			.append(" cores = ")
			.append(meta.containsKey("nproc") ? Integer.parseInt(meta.get("nproc")) * 100 : "?")
			.append("%)\n\n");
		sb.append(
				"Medians over the repetitions. On a 2-core machine the load generator, the echo backend and the proxy "
						+ "share the cores, so when the machine is busy the figures are CPU-bound for all three: compare legs with "
						+ "this in mind. \"Other processes\" is the machine's busy CPU time minus these three (kernel threads, "
						+ "anything else running): when it is more than a few %, the run was disturbed and its figures are noisy.\n\n");
		sb.append(
				"| Workload | Leg | Load generator | Echo backend | Proxy | Other processes | Machine busy |\n|---|---|---|---|---|---|---|\n");
		for (String w : new String[] { "handshake", "latency", "throughput", "large" }) {
			for (String leg : new String[] { DIRECT, NGINX, SB, SBM }) {
				Stat lg = stat(new Metric("", "", "", w, pct("cpu_lg_s"), Goal.NONE, 0, "", ALL), leg);
				if (lg == null) {
					continue;
				}
				Stat be = stat(new Metric("", "", "", w, pct("cpu_backend_s"), Goal.NONE, 0, "", ALL), leg);
				Stat px = stat(new Metric("", "", "", w, pct("cpu_proxy_s"), Goal.NONE, 0, "", ALL), leg);
				Stat busy = stat(new Metric("", "", "", w, key("busy_pct", 1), Goal.NONE, 0, "", ALL), leg);
				Stat other = stat(new Metric("", "", "", w, r -> {
					Double m = d(r, "cpu_machine_s");
					Double wall = d(r, "wall_s");
					if (m == null || wall == null || wall <= 0) {
						return null;
					}
					double rest = m;
					for (String k : new String[] { "cpu_lg_s", "cpu_backend_s", "cpu_proxy_s" }) {
						Double v = d(r, k);
						rest -= v == null ? 0 : v;
					}
					return Math.max(0, 100 * rest / wall);
				}, Goal.NONE, 0, "", ALL), leg);
				sb.append("| ")
					.append(w)
					.append(" | ")
					.append(leg)
					.append(" | ")
					.append(pctCell(lg))
					.append(" | ")
					.append(pctCell(be))
					.append(" | ")
					.append(DIRECT.equals(leg) ? "-" : pctCell(px))
					.append(" | ")
					.append(pctCell(other))
					.append(" | ")
					.append(pctCell(busy))
					.append(" |\n");
			}
		}
	}

	private static String pctCell(Stat s) {
		return s == null || s.n() == 0 ? "-" : String.format(Locale.ROOT, "%.0f%%", s.median());
	}

	private void renderProblems(StringBuilder sb) {
		for (Map<String, String> r : rows) {
			String where = "rep " + r.getOrDefault("rep", "?") + ", " + r.getOrDefault("leg", "?") + ", "
					+ r.getOrDefault("workload", "?") + (r.containsKey("kind") ? " (" + r.get("kind") + ")" : "");
			if (!"1".equals(r.get("ok"))) {
				problems.add(where + ": FAILED " + r.getOrDefault("error", r.getOrDefault("last_error", "")));
				continue;
			}
			for (String k : new String[] { "errors", "lost", "bad_echo", "failed", "open_failed", "closed_early" }) {
				Double v = d(r, k);
				if (v != null && v > 0) {
					problems.add(where + ": " + k + "=" + r.get(k)
							+ (r.containsKey("last_error") ? " (last error: " + r.get("last_error") + ")" : ""));
				}
			}
		}
		sb.append("\n## Errors and anomalies\n\n");
		if (problems.isEmpty()) {
			sb.append("None: every run completed with no handshake error, lost message, bad echo or failed tunnel.\n");
		}
		else {
			for (String p : problems) {
				sb.append("- ").append(p).append("\n");
			}
		}
	}

	private void renderRaw(StringBuilder sb) {
		sb.append(
				"\n<details><summary>Raw results (one line per run, as printed by the load generator)</summary>\n\n```\n");
		for (Map<String, String> r : rows) {
			StringBuilder line = new StringBuilder();
			r.forEach((k, v) -> line.append(line.length() == 0 ? "" : " ").append(k).append('=').append(v));
			sb.append(line).append("\n");
		}
		sb.append("```\n\n</details>\n");
	}

	static String defaultTried() {
		return TRIED_HEADING + "\n\n"
				+ "_Kept across runs: `bench/run.sh` copies this section from the previous RESULTS.md. Gateway engineers: add one "
				+ "entry per attempt (date, change, effect on the figures above, kept or reverted)._\n\n"
				+ "| Date | Change | Effect | Kept? |\n|---|---|---|---|\n| | | | |\n";
	}

	static String extractTried(Path old) throws Exception {
		if (old == null || !Files.exists(old)) {
			return null;
		}
		String s = Files.readString(old);
		int i = s.indexOf("\n" + TRIED_HEADING);
		if (i < 0) {
			return s.startsWith(TRIED_HEADING) ? s : null;
		}
		return s.substring(i + 1);
	}

	public static void main(String[] args) throws Exception {
		Opts o = new Opts(args);
		Report rep = new Report();
		for (String line : Files.readAllLines(Path.of(o.str("results", "results.txt")))) {
			if (line.startsWith("RESULT")) {
				rep.rows.add(Result.parse(line));
			}
		}
		String metaFile = o.str("meta", null);
		if (metaFile != null && Files.exists(Path.of(metaFile))) {
			for (String line : Files.readAllLines(Path.of(metaFile))) {
				int eq = line.indexOf('=');
				if (eq > 0) {
					rep.meta.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
				}
			}
		}
		String oldPath = o.str("old", null);
		String tried = extractTried(oldPath == null ? null : Path.of(oldPath));
		String md = rep.render(tried);
		Files.writeString(Path.of(o.str("out", "RESULTS.md")), md);
		System.err.println("[report] wrote " + o.str("out", "RESULTS.md"));
		if (o.flag("strict")) {
			List<String> broken = rep.brokenLegs();
			if (!broken.isEmpty()) {
				System.err.println("[report] FAILED legs: " + String.join(", ", broken));
				System.exit(1);
			}
		}
	}

	/** Legs that were run but had a workload with no successful result at all. */
	List<String> brokenLegs() {
		Map<String, Boolean> okByLegWorkload = new LinkedHashMap<>();
		for (Map<String, String> r : rows) {
			if (r.containsKey("kind")) {
				continue; // the JIT warm-up figure is informational: a slow start is not
							// a broken leg
			}
			String k = r.getOrDefault("leg", "?") + "/" + r.getOrDefault("workload", "?");
			okByLegWorkload.merge(k, "1".equals(r.get("ok")), Boolean::logicalOr);
		}
		List<String> broken = new ArrayList<>();
		okByLegWorkload.forEach((k, v) -> {
			if (!v) {
				broken.add(k);
			}
		});
		return broken;
	}

}
