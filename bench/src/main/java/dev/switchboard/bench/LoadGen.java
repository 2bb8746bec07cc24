package dev.switchboard.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The load generator. One subcommand per workload; each prints exactly one
 * machine-readable line "RESULT workload=... key=value ..." on stdout (progress goes to
 * stderr) and exits non-zero when the workload did not work at all (e.g. zero successful
 * handshakes).
 *
 * <p>
 * Common options: --url ws://127.0.0.1:PORT/path, --threads N (event loops, default
 * nproc), --warmup SECONDS, --duration SECONDS, --cpu NAME=PID[,PID...] (repeatable: CPU
 * time of those processes is measured over the measured window only), --clk-tck N, --tag
 * KEY=VALUE (repeatable, copied into the result line). handshake also takes --alloc PID
 * --agent AGENT_JAR: the heap the gateway PID allocated over the measured window, in
 * total and per cycle (proxy_alloc_bytes, alloc_per_cycle_bytes).
 */
public final class LoadGen {

	private static final byte[] HELLO = "hello, switchboard".getBytes(StandardCharsets.US_ASCII);

	final Opts o;

	final Target target;

	final EventLoopGroup group;

	final Bootstrap base;

	final CpuMeter cpu;

	final Result result = new Result();

	final AtomicReference<String> lastError = new AtomicReference<>();

	record Target(String hostHeader, String path, InetSocketAddress addr) {
		static Target of(String url) {
			URI u = URI.create(url);
			int port = u.getPort() > 0 ? u.getPort() : 80;
			String path = (u.getRawPath() == null || u.getRawPath().isEmpty()) ? "/" : u.getRawPath();
			if (u.getRawQuery() != null) {
				path += "?" + u.getRawQuery();
			}
			return new Target(u.getHost() + ":" + port, path, new InetSocketAddress(u.getHost(), port));
		}
	}

	LoadGen(Opts o, String workload) {
		this.o = o;
		this.target = Target.of(o.str("url", "ws://127.0.0.1:18080/echo"));
		StringBuilder headers = new StringBuilder();
		for (String header : o.all("header")) {
			headers.append(header).append("\r\n");
		}
		WsConn.extraHeaders = headers.toString();
		int threads = o.integer("threads", Runtime.getRuntime().availableProcessors());
		this.group = Transport.group(threads);
		this.base = new Bootstrap().group(group)
			.channel(Transport.clientChannel())
			.option(ChannelOption.TCP_NODELAY, true)
			.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000);
		this.cpu = new CpuMeter(o.all("cpu"), o.integer("clk-tck", 100));
		for (String t : o.all("tag")) {
			int eq = t.indexOf('=');
			if (eq > 0) {
				result.put(t.substring(0, eq), t.substring(eq + 1));
			}
		}
		result.put("workload", workload);
	}

	/**
	 * With --alloc PID --agent AGENT_JAR: the heap bytes the gateway's live threads have
	 * allocated so far (read by the bench's attach agent) and the cycles done at that
	 * moment (the mean of the counts before and after the reading, which takes a few
	 * milliseconds while the load goes on); null without --alloc or when the reading
	 * fails.
	 */
	private long[] allocated(LongAdder ok) {
		String pid = o.str("alloc", null);
		if (pid == null) {
			return null;
		}
		long before = ok.sum();
		try {
			long bytes = Tools.heapAllocated(pid, o.str("agent", null));
			return new long[] { bytes, (before + ok.sum()) / 2 };
		}
		catch (Exception ex) {
			log("cannot read the gateway's allocation: %s", ex);
			return null;
		}
	}

	public static void main(String[] args) throws Exception {
		Opts o = new Opts(args);
		if (o.positional.isEmpty()) {
			System.err
				.println("usage: loadgen probe|handshake|latency|throughput|large|idle|storm --url ws://... [options]");
			System.exit(2);
		}
		String workload = o.positional.get(0);
		LoadGen lg = new LoadGen(o, workload);
		boolean ok;
		try {
			ok = switch (workload) {
				case "probe" -> lg.probe();
				case "handshake" -> lg.handshake();
				case "latency" -> lg.latency();
				case "throughput" ->
					lg.echo(o.integer("connections", 50), o.integer("inflight", 16), o.integer("size", 64));
				case "large" ->
					lg.echo(o.integer("connections", 4), o.integer("inflight", 1), o.integer("size", 1 << 20));
				case "idle" -> lg.idle();
				case "storm" -> new StormGen(o, lg.result, lg.target, lg.group, lg.base).run();
				default -> throw new IllegalArgumentException("unknown workload " + workload);
			};
		}
		catch (Exception e) {
			lg.result.put("ok", 0).put("error", e.toString());
			ok = false;
		}
		if (lg.lastError.get() != null) {
			lg.result.put("last_error", lg.lastError.get().replaceAll("\\s+", "_"));
		}
		if (!lg.result.kv.containsKey("ok")) {
			lg.result.put("ok", ok ? 1 : 0);
		}
		System.out.println(lg.result);
		System.out.flush();
		lg.group.shutdownGracefully(0, 200, TimeUnit.MILLISECONDS).await(2, TimeUnit.SECONDS);
		System.exit(ok ? 0 : 1);
	}

	static void log(String fmt, Object... args) {
		System.err.println("[loadgen] " + String.format(Locale.ROOT, fmt, args));
	}

	static void sleepUntil(long nanoDeadline) throws InterruptedException {
		for (long left; (left = nanoDeadline - System.nanoTime()) > 0;) {
			TimeUnit.NANOSECONDS.sleep(Math.min(left, 50_000_000L));
		}
	}

	static long secs(double s) {
		return (long) (s * 1e9);
	}

	void connect(Target t, WsConn c) {
		ChannelFuture f = base.clone().handler(c).connect(t.addr());
		f.addListener(fu -> {
			if (!fu.isSuccess()) {
				c.connectFailed(fu.cause());
			}
		});
	}

	static byte[] content(int size) {
		byte[] b = new byte[size];
		for (int i = 0; i < size; i++) {
			b[i] = (byte) ('a' + i % 26);
		}
		return b;
	}

	static void putHisto(Result r, String prefix, Histogram h) {
		r.put(prefix + "_count", h.getTotalCount());
		if (h.getTotalCount() == 0) {
			return;
		}
		r.put(prefix + "_p50_us", h.getValueAtPercentile(50) / 1e3);
		r.put(prefix + "_p90_us", h.getValueAtPercentile(90) / 1e3);
		r.put(prefix + "_p99_us", h.getValueAtPercentile(99) / 1e3);
		r.put(prefix + "_p999_us", h.getValueAtPercentile(99.9) / 1e3);
		r.put(prefix + "_max_us", h.getMaxValue() / 1e3);
		r.put(prefix + "_mean_us", h.getMean() / 1e3);
	}

	// ====================================================================== probe

	/**
	 * One connection: handshake, text echo, binary echo of --size bytes (default 1 MiB),
	 * close handshake.
	 */
	boolean probe() throws Exception {
		int size = o.integer("size", 1 << 20);
		CountDownLatch done = new CountDownLatch(1);
		AtomicReference<String> outcome = new AtomicReference<>("timeout");
		byte[] big = content(size);
		WsConn.Events ev = new WsConn.Events() {
			int step;

			@Override
			public void onOpen(WsConn c) {
				c.sendText(HELLO);
				c.flush();
			}

			@Override
			public void onMessage(WsConn c, int op, long first8, long len) {
				if (step == 0) {
					if (op != WsConn.OP_TEXT || len != HELLO.length) {
						outcome.set("bad text echo op=" + op + " len=" + len);
						c.ch.close();
						return;
					}
					step = 1;
					c.writePreMasked(WsConn.OP_BINARY, c.preMask(big));
				}
				else {
					if (op != WsConn.OP_BINARY || len != size) {
						outcome.set("bad binary echo op=" + op + " len=" + len + " expected=" + size);
						c.ch.close();
						return;
					}
					step = 2;
					c.sendClose(1000);
				}
			}

			@Override
			public void onFailure(WsConn c, String why) {
				outcome.set(why);
			}

			@Override
			public void onClosed(WsConn c) {
				if (step == 2 && c.closeReceived) {
					outcome.set("ok");
				}
				else if (step == 2) {
					outcome.set("closed without a close frame");
				}
				else if (c.closeReceived && "timeout".equals(outcome.get())) {
					outcome.set("server closed: code " + c.closeCode + " at step " + step);
				}
				else if ("timeout".equals(outcome.get())) {
					outcome.set("connection closed at step " + step);
				}
				done.countDown();
			}
		};
		WsConn c = new WsConn(ev, target.hostHeader(), target.path());
		connect(target, c);
		if (!done.await(o.integer("timeout", 15), TimeUnit.SECONDS) && c.ch != null) {
			c.ch.close();
		}
		boolean ok = "ok".equals(outcome.get());
		result.put("ok", ok ? 1 : 0).put("size", size).put("transport", Transport.name());
		if (!ok) {
			result.put("error", outcome.get().replaceAll("\\s+", "_"));
		}
		log("probe %s: %s", o.str("url", ""), outcome.get());
		return ok;
	}

	// ====================================================================== handshake

	/**
	 * Closed loop of --concurrency (32) cycles; each cycle: TCP connect, upgrade, one
	 * text echo, close handshake (client sends Close, waits for the server's Close and
	 * the server's TCP close). Latencies from the connect start: "upgrade" (101
	 * received), "open" (first echo received: the tunnel works end to end), "cycle"
	 * (connection closed). Options for the JIT warm-up measurement: --prewarm-url URL
	 * --prewarm S (warm the load generator itself on another target first),
	 * --prewarmed-file F (touched when done), --wait-port (then poll the target until it
	 * accepts TCP), --series (per-second success counts).
	 */
	boolean handshake() throws Exception {
		int conc = o.integer("concurrency", 32);
		double warmup = o.dbl("warmup", 3);
		double duration = o.dbl("duration", 10);
		String prewarmUrl = o.str("prewarm-url", null);
		if (prewarmUrl != null) {
			Cycler pre = new Cycler(Target.of(prewarmUrl), conc);
			pre.start();
			Thread.sleep((long) (o.dbl("prewarm", 3) * 1000));
			pre.stop();
			log("prewarmed on %s: %d cycles", prewarmUrl, pre.okAll.sum());
		}
		String prewarmedFile = o.str("prewarmed-file", null);
		if (prewarmedFile != null) {
			Files.writeString(Path.of(prewarmedFile), "prewarmed\n");
		}
		if (o.flag("wait-port")) {
			long t0 = System.nanoTime();
			long deadline = t0 + secs(o.dbl("wait-timeout", 180));
			while (true) {
				try (Socket s = new Socket()) {
					s.connect(target.addr(), 200);
					break;
				}
				catch (IOException e) {
					if (System.nanoTime() > deadline) {
						throw new IOException("port " + target.addr() + " did not open in time");
					}
					Thread.sleep(10);
				}
			}
			result.put("waited_s", (System.nanoTime() - t0) / 1e9);
			log("port %s open", target.addr());
		}
		Cycler cy = new Cycler(target, conc);
		cy.start();
		sleepUntil(System.nanoTime() + secs(warmup));
		cy.upgradeRec.reset();
		cy.openRec.reset();
		cy.cycleRec.reset();
		long[] allocA = allocated(cy.okAll);
		CpuMeter.Snap a = cpu.snap();
		cy.measuring = true;
		long[] series = new long[(int) Math.ceil(duration)];
		CpuMeter.Snap[] snaps = new CpuMeter.Snap[series.length];
		boolean withSeries = o.flag("series");
		long base0 = cy.ok.sum();
		long end = a.wallNs + secs(duration);
		for (int i = 0; i < series.length; i++) {
			sleepUntil(Math.min(end, a.wallNs + secs(i + 1)));
			series[i] = cy.ok.sum() - base0;
			if (withSeries) {
				snaps[i] = cpu.snap();
			}
		}
		cy.measuring = false;
		CpuMeter.Snap b = cpu.snap();
		long[] allocB = allocated(cy.okAll);
		if (allocA != null && allocB != null && allocA[0] >= 0 && allocB[1] > allocA[1]) {
			result.put("proxy_alloc_bytes", allocB[0] - allocA[0])
				.put("alloc_per_cycle_bytes", (allocB[0] - allocA[0]) / (allocB[1] - allocA[1]));
		}
		long ok = cy.ok.sum();
		long err = cy.err.sum();
		Histogram up = cy.upgradeRec.getIntervalHistogram();
		Histogram open = cy.openRec.getIntervalHistogram();
		Histogram cycle = cy.cycleRec.getIntervalHistogram();
		cy.stop();
		cpu.report(a, b, result);
		double wall = (b.wallNs - a.wallNs) / 1e9;
		result.put("concurrency", conc).put("ok_cycles", ok).put("errors", err).put("rate", ok / wall);
		putHisto(result, "upgrade", up);
		putHisto(result, "open", open);
		putHisto(result, "cycle", cycle);
		if (withSeries) {
			StringBuilder sb = new StringBuilder();
			for (int i = 0; i < series.length; i++) {
				sb.append(i == 0 ? "" : ",").append(series[i] - (i == 0 ? 0 : series[i - 1]));
			}
			result.put("series", sb.toString());
			putCpuSeries(a, snaps);
		}
		log("handshake %s: %.0f cycles/s, %d errors, open p50 %.0f us p99 %.0f us", target.addr(), ok / wall, err,
				open.getValueAtPercentile(50) / 1e3, open.getValueAtPercentile(99) / 1e3);
		return ok > 0;
	}

	/**
	 * Per-second CPU seconds of each --cpu group (series_cpu_NAME) and of everything else
	 * on the machine (series_cpu_other: the machine's busy time minus the load generator
	 * and the groups), for the seconds of a --series.
	 */
	private void putCpuSeries(CpuMeter.Snap start, CpuMeter.Snap[] snaps) {
		Map<String, StringBuilder> out = new LinkedHashMap<>();
		StringBuilder other = new StringBuilder();
		CpuMeter.Snap prev = start;
		for (int i = 0; i < snaps.length; i++) {
			CpuMeter.Snap cur = snaps[i];
			double groups = 0;
			for (String name : cpu.groups.keySet()) {
				double secs = (cur.ticks.get(name) - prev.ticks.get(name)) / (double) cpu.clkTck;
				groups += secs;
				out.computeIfAbsent(name, (k) -> new StringBuilder())
					.append(i == 0 ? "" : ",")
					.append(String.format(Locale.ROOT, "%.2f", secs));
			}
			double machine = ((cur.machine[0] - prev.machine[0]) - (cur.machine[1] - prev.machine[1]))
					/ (double) cpu.clkTck;
			double rest = Math.max(0, machine - groups - (cur.selfNs - prev.selfNs) / 1e9);
			other.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.2f", rest));
			prev = cur;
		}
		out.forEach((name, sb) -> result.put("series_cpu_" + name, sb.toString()));
		result.put("series_cpu_other", other.toString());
	}

	/** Runs handshake cycles in a closed loop. */
	final class Cycler implements WsConn.Events {

		final Target t;

		final int conc;

		final Recorder upgradeRec = new Recorder(3);

		final Recorder openRec = new Recorder(3);

		final Recorder cycleRec = new Recorder(3);

		final LongAdder ok = new LongAdder();

		final LongAdder err = new LongAdder();

		final LongAdder okAll = new LongAdder();

		final AtomicInteger active = new AtomicInteger();

		final long timeoutNs = secs(o.dbl("cycle-timeout", 5));

		volatile boolean measuring;

		volatile boolean stopping;

		Cycler(Target t, int conc) {
			this.t = t;
			this.conc = conc;
		}

		void start() {
			active.set(conc);
			for (int i = 0; i < conc; i++) {
				next();
			}
		}

		void stop() throws InterruptedException {
			stopping = true;
			long deadline = System.nanoTime() + secs(10);
			while (active.get() > 0 && System.nanoTime() < deadline) {
				Thread.sleep(5);
			}
		}

		void next() {
			if (stopping) {
				active.decrementAndGet();
				return;
			}
			WsConn c = new WsConn(this, t.hostHeader(), t.path());
			c.t0 = System.nanoTime();
			connect(t, c);
		}

		@Override
		public void onOpen(WsConn c) {
			c.tOpen = System.nanoTime();
			c.sendText(HELLO);
			c.flush();
			ScheduledFuture<?> timeout = c.ch.eventLoop().schedule(() -> {
				if (c.state != WsConn.CLOSED) {
					c.fail("cycle timeout");
				}
			}, timeoutNs, TimeUnit.NANOSECONDS);
			c.ch.closeFuture().addListener(f -> timeout.cancel(false));
		}

		@Override
		public void onMessage(WsConn c, int op, long first8, long len) {
			if (c.tEcho == 0) {
				c.tEcho = System.nanoTime();
				c.sendClose(1000);
				c.flush();
			}
		}

		@Override
		public void onFailure(WsConn c, String why) {
			lastError.set(why);
		}

		@Override
		public void onClosed(WsConn c) {
			long now = System.nanoTime();
			boolean good = c.tEcho != 0 && c.closeReceived && c.failure == null;
			if (good) {
				okAll.increment();
			}
			if (measuring) {
				if (good) {
					ok.increment();
					upgradeRec.recordValue(c.tOpen - c.t0);
					openRec.recordValue(c.tEcho - c.t0);
					cycleRec.recordValue(now - c.t0);
				}
				else {
					err.increment();
				}
			}
			if (!good && c.tOpen == 0) {
				// connect or upgrade failed: do not spin
				group.next().schedule(this::next, 10, TimeUnit.MILLISECONDS);
			}
			else {
				next();
			}
		}

	}

	// ====================================================================== connection
	// pool (open N, concurrency-limited)

	/**
	 * Opens N connections (handshake, plus one echo when echoFirst), at most
	 * `concurrency` in progress.
	 */
	abstract class Pool implements WsConn.Events {

		final int n;

		final int concurrency;

		final boolean echoFirst;

		final WsConn[] conns;

		final AtomicInteger nextIdx = new AtomicInteger();

		final CountDownLatch settled;

		final LongAdder opened = new LongAdder();

		final LongAdder failed = new LongAdder();

		final LongAdder closedAfterOpen = new LongAdder();

		Pool(int n, int concurrency, boolean echoFirst) {
			this.n = n;
			this.concurrency = concurrency;
			this.echoFirst = echoFirst;
			this.conns = new WsConn[n];
			this.settled = new CountDownLatch(n);
		}

		/** Opens all and waits; returns the open connections. */
		List<WsConn> openAll(double timeoutS) throws InterruptedException {
			for (int i = 0; i < Math.min(concurrency, n); i++) {
				launch();
			}
			if (!settled.await((long) (timeoutS * 1000), TimeUnit.MILLISECONDS)) {
				log("opening timed out: %d of %d settled", n - settled.getCount(), n);
			}
			List<WsConn> open = new ArrayList<>();
			for (WsConn c : conns) {
				if (c != null && c.ready && c.state == WsConn.OPEN) {
					open.add(c);
				}
			}
			return open;
		}

		private void launch() {
			int i = nextIdx.getAndIncrement();
			if (i >= n) {
				return;
			}
			WsConn c = new WsConn(this, target.hostHeader(), target.path());
			c.index = i;
			conns[i] = c;
			connect(target, c);
		}

		private void settle(WsConn c, boolean good) {
			if (c.settled) {
				return;
			}
			c.settled = true;
			(good ? opened : failed).increment();
			settled.countDown();
			launch();
		}

		@Override
		public final void onOpen(WsConn c) {
			if (echoFirst) {
				c.sendText(HELLO);
				c.flush();
			}
			else {
				c.ready = true;
				settle(c, true);
			}
		}

		@Override
		public final void onMessage(WsConn c, int op, long first8, long len) {
			if (!c.ready) {
				c.ready = true;
				settle(c, true);
			}
			else {
				data(c, op, first8, len);
			}
		}

		abstract void data(WsConn c, int op, long first8, long len);

		@Override
		public void onFailure(WsConn c, String why) {
			lastError.set(why);
		}

		@Override
		public void onClosed(WsConn c) {
			if (!c.settled) {
				settle(c, false);
			}
			else {
				closedAfterOpen.increment();
			}
		}

		/**
		 * Close handshake on all open connections; waits up to timeoutS for them to
		 * close.
		 */
		long closeAll(double timeoutS) throws InterruptedException {
			for (WsConn c : conns) {
				if (c != null && c.ch != null) {
					c.ch.eventLoop().execute(() -> {
						if (c.state == WsConn.OPEN) {
							c.sendClose(1000);
							c.flush();
						}
					});
				}
			}
			long deadline = System.nanoTime() + secs(timeoutS);
			while (System.nanoTime() < deadline
					&& Arrays.stream(conns).anyMatch(c -> c != null && c.state != WsConn.CLOSED && c.ch != null)) {
				Thread.sleep(20);
			}
			long clean = Arrays.stream(conns).filter(c -> c != null && c.closeReceived).count();
			for (WsConn c : conns) {
				if (c != null && c.ch != null && c.state != WsConn.CLOSED) {
					c.ch.close();
				}
			}
			return clean;
		}

	}

	// ====================================================================== latency
	// (open loop)

	/**
	 * Open-loop echo latency: --rate (5000) msg/s in total over --connections (100),
	 * --size (64) byte binary messages. Message k of a connection is due at start +
	 * offset + k * interval; the due ("intended") time is written into the first 8
	 * payload bytes and latency is measured from it to the echo's arrival, so a stalled
	 * proxy cannot hide its stall by slowing the sender down (no coordinated omission).
	 * Messages due in the measured window are tracked until they come back (up to --drain
	 * seconds).
	 */
	boolean latency() throws Exception {
		int n = o.integer("connections", 100);
		double rate = o.dbl("rate", 5000);
		int size = Math.max(8, o.integer("size", 64));
		double warmup = o.dbl("warmup", 3);
		double duration = o.dbl("duration", 10);
		Recorder lat = new Recorder(3);
		Recorder lag = new Recorder(3);
		LongAdder sentWin = new LongAdder();
		LongAdder recvWin = new LongAdder();
		LongAdder bad = new LongAdder();
		long[] window = new long[2];
		Pool pool = new Pool(n, o.integer("open-concurrency", 50), false) {
			@Override
			void data(WsConn c, int op, long first8, long len) {
				long now = System.nanoTime();
				if (len != size) {
					bad.increment();
					return;
				}
				if (first8 >= window[0] && first8 < window[1]) {
					lat.recordValue(Math.max(0, now - first8));
					recvWin.increment();
				}
			}
		};
		List<WsConn> open = pool.openAll(60);
		if (open.isEmpty()) {
			result.put("ok", 0).put("error", "no_connection_opened");
			return false;
		}
		byte[] body = content(size);
		long perMsg = (long) (1e9 / rate);
		long interval = (long) (1e9 * open.size() / rate);
		long start = System.nanoTime() + 50_000_000L;
		window[0] = start + secs(warmup);
		window[1] = window[0] + secs(duration);
		// publish window[] before the pacers start (executor submission is a
		// happens-before edge)
		for (int i = 0; i < open.size(); i++) {
			WsConn c = open.get(i);
			long first = start + i * perMsg;
			c.ch.eventLoop().execute(() -> {
				c.payload = c.preMask(body);
				c.next = first;
				new Pacer(c, interval, window, sentWin, lag).run();
			});
		}
		sleepUntil(window[0]);
		CpuMeter.Snap a = cpu.snap();
		sleepUntil(window[1]);
		CpuMeter.Snap b = cpu.snap();
		long drainDeadline = System.nanoTime() + secs(o.dbl("drain", 5));
		while (recvWin.sum() < sentWin.sum() && System.nanoTime() < drainDeadline) {
			Thread.sleep(5);
		}
		Histogram h = lat.getIntervalHistogram();
		Histogram lg = lag.getIntervalHistogram();
		long sent = sentWin.sum();
		long recv = recvWin.sum();
		cpu.report(a, b, result);
		result.put("connections", open.size())
			.put("rate_target", rate)
			.put("size", size)
			.put("sent", sent)
			.put("received", recv)
			.put("lost", sent - recv)
			.put("bad_echo", bad.sum())
			.put("rate_achieved", recv / ((window[1] - window[0]) / 1e9));
		putHisto(result, "lat", h);
		putHisto(result, "sendlag", lg);
		result.put("open_failed", pool.failed.sum()).put("closed_early", pool.closedAfterOpen.sum());
		pool.closeAll(3);
		log("latency %s: %d/%d echoed, p50 %.0f us p99 %.0f us max %.0f us (send lag p99 %.0f us)", target.addr(), recv,
				sent, h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getMaxValue() / 1e3,
				lg.getValueAtPercentile(99) / 1e3);
		return recv > 0;
	}

	/**
	 * Sends the due messages of one connection, then re-arms itself for the next due
	 * time.
	 */
	static final class Pacer implements Runnable {

		final WsConn c;

		final long interval;

		final long[] window;

		final LongAdder sentWin;

		final Recorder lag;

		Pacer(WsConn c, long interval, long[] window, LongAdder sentWin, Recorder lag) {
			this.c = c;
			this.interval = interval;
			this.window = window;
			this.sentWin = sentWin;
			this.lag = lag;
		}

		@Override
		public void run() {
			if (c.state != WsConn.OPEN) {
				return;
			}
			long now = System.nanoTime();
			boolean wrote = false;
			while (c.next <= now && c.next < window[1]) {
				c.writeStamped(WsConn.OP_BINARY, c.next, c.payload);
				if (c.next >= window[0]) {
					sentWin.increment();
					lag.recordValue(now - c.next);
				}
				c.next += interval;
				wrote = true;
			}
			if (wrote) {
				c.flush();
			}
			if (c.next < window[1]) {
				c.ch.eventLoop().schedule(this, c.next - System.nanoTime(), TimeUnit.NANOSECONDS);
			}
		}

	}

	// ====================================================================== throughput /
	// large

	/**
	 * Pipelined echo: --connections x --inflight messages of --size bytes in flight;
	 * every echo received triggers the next send. Counts echoed messages (and payload
	 * bytes) in the measured window.
	 */
	boolean echo(int n, int inflight, int size) throws Exception {
		double warmup = o.dbl("warmup", 3);
		double duration = o.dbl("duration", 10);
		LongAdder msgs = new LongAdder();
		LongAdder bad = new LongAdder();
		AtomicBoolean running = new AtomicBoolean(true);
		Pool pool = new Pool(n, o.integer("open-concurrency", 50), false) {
			@Override
			void data(WsConn c, int op, long first8, long len) {
				if (len != size || op != WsConn.OP_BINARY) {
					bad.increment();
				}
				msgs.increment();
				if (running.get()) {
					c.writePreMasked(WsConn.OP_BINARY, c.payload);
				}
			}
		};
		List<WsConn> open = pool.openAll(60);
		if (open.isEmpty()) {
			result.put("ok", 0).put("error", "no_connection_opened");
			return false;
		}
		byte[] body = content(size);
		for (WsConn c : open) {
			c.ch.eventLoop().execute(() -> {
				c.payload = c.preMask(body);
				for (int i = 0; i < inflight; i++) {
					c.writePreMasked(WsConn.OP_BINARY, c.payload);
				}
				c.flush();
			});
		}
		sleepUntil(System.nanoTime() + secs(warmup));
		CpuMeter.Snap a = cpu.snap();
		long m0 = msgs.sum();
		sleepUntil(a.wallNs + secs(duration));
		long m1 = msgs.sum();
		CpuMeter.Snap b = cpu.snap();
		running.set(false);
		double wall = (b.wallNs - a.wallNs) / 1e9;
		long m = m1 - m0;
		cpu.report(a, b, result);
		result.put("connections", open.size())
			.put("inflight", inflight)
			.put("size", size)
			.put("messages", m)
			.put("msgs_per_s", m / wall)
			.put("mib_per_s", (double) m * size / (1 << 20) / wall)
			.put("bad_echo", bad.sum())
			.put("open_failed", pool.failed.sum());
		long closedEarly = pool.closedAfterOpen.sum();
		result.put("closed_early", closedEarly);
		pool.closeAll(3);
		log("echo %s size=%d: %.0f msg/s, %.1f MiB/s", target.addr(), size, m / wall,
				(double) m * size / (1 << 20) / wall);
		if (closedEarly > 0) {
			log("echo: %d connections were closed during the run (last error: %s)", closedEarly, lastError.get());
		}
		return m > 0 && closedEarly < open.size();
	}

	// ====================================================================== idle tunnels

	/**
	 * Opens --connections (5000) tunnels (handshake + one echo each, so the proxy's
	 * upstream leg exists), then touches --ready-file and keeps them idle until
	 * --release-file exists (or --hold seconds pass), then closes them all with a close
	 * handshake.
	 */
	boolean idle() throws Exception {
		int n = o.integer("connections", 5000);
		Pool pool = new Pool(n, o.integer("open-concurrency", 64), true) {
			@Override
			void data(WsConn c, int op, long first8, long len) {
			}
		};
		long t0 = System.nanoTime();
		List<WsConn> open = pool.openAll(o.dbl("open-timeout", 120));
		double openS = (System.nanoTime() - t0) / 1e9;
		log("idle: %d open, %d failed in %.1f s", open.size(), pool.failed.sum(), openS);
		result.put("connections", n).put("opened", open.size()).put("failed", pool.failed.sum()).put("open_s", openS);
		String ready = o.str("ready-file", null);
		if (ready != null) {
			Files.writeString(Path.of(ready), "opened=" + open.size() + "\n");
		}
		String release = o.str("release-file", null);
		long deadline = System.nanoTime() + secs(o.dbl("hold", release == null ? 5 : 600));
		while (System.nanoTime() < deadline && (release == null || !Files.exists(Path.of(release)))) {
			Thread.sleep(50);
		}
		long alive = open.stream().filter(c -> c.state == WsConn.OPEN).count();
		long clean = pool.closeAll(15);
		result.put("alive_at_release", alive).put("closed_clean", clean);
		return !open.isEmpty() && alive == open.size();
	}

}
