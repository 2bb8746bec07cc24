package dev.switchboard.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code loadgen storm}: the reconnect-storm workload (issue #12).
 * <p>
 * Opens --clients tunnels (ramped at --ramp-per-s, each confirmed with one echo), then
 * waits for the cut: the proxy restarted by the script, or (--drop-file / --drop-after-s)
 * the load generator dropping every connection itself. A cut is detected per client
 * (close frame, FIN or reset on an open tunnel). Every cut client then reconnects like a
 * client library: it waits a jittered exponential backoff (delay before reconnect attempt
 * j = uniform in [(1-jitter) b, min((1+jitter) b, max)], b = min(max, initial *
 * multiplier^j), so the first reconnect waits 50-150 ms with the defaults), and after a
 * 503 carrying Retry-After it waits max(Retry-After, its backoff) - what good client
 * libraries do; a refused connect or any other failure just backs off. A reconnect counts
 * as re-established on its 101 plus one echo.
 * <p>
 * One event loop per client (all its attempts and timers run there), so a client's state
 * needs no locks; a few thousand objects and no thread per client.
 */
final class StormGen {

	enum Kind {

		/** 101 and the echo came back: re-established. */
		OK_101("101"),
		/** 503 with a Retry-After header. */
		S503_RA("503_retry_after"),
		/** 503 without Retry-After. */
		S503_NO_RA("503_no_retry_after"),
		/** Any other HTTP status (the statuses are listed separately). */
		STATUS_OTHER("other_status"),
		/** TCP connect refused (nothing listening). */
		REFUSED("refused"),
		/** Connection reset by peer before the 101. */
		RESET("reset"),
		/** Connection closed (FIN) before a complete response head. */
		CLOSED_MID_HS("closed_mid_handshake"),
		/** 101, then the tunnel closed (or failed) before the echo came back. */
		CLOSED_AFTER_101("closed_after_101"),
		/** No 101 + echo within --connect-timeout-ms (TCP connect included). */
		TIMEOUT("timeout"),
		/** 101 with a wrong Sec-WebSocket-Accept. */
		BAD_ACCEPT("bad_accept"),
		/** Any other connect failure (no route, address in use, ...). */
		CONNECT_ERROR("connect_error");

		final String key;

		Kind(String key) {
			this.key = key;
		}

		/** What the goal allows a client to see while the gateway restarts. */
		boolean allowed() {
			return this == OK_101 || this == S503_RA || this == REFUSED;
		}

	}

	private static final byte[] HELLO = "hello, storm".getBytes(StandardCharsets.US_ASCII);

	private static final byte[] GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11".getBytes(StandardCharsets.US_ASCII);

	static final int RAMP = 0;

	static final int HOLD = 1;

	static final int STORM = 2;

	static final int DONE = 3;

	final Opts o;

	final Result result;

	final LoadGen.Target target;

	final EventLoopGroup group;

	final Bootstrap base;

	final int n;

	final double initialMs;

	final double multiplier;

	final double jitter;

	final double maxMs;

	final int connectTimeoutMs;

	final InetSocketAddress[] sources;

	final Client[] clients;

	volatile int phase = RAMP;

	final AtomicLong cutNs = new AtomicLong();

	final AtomicInteger openInitial = new AtomicInteger();

	final AtomicInteger reEstablished = new AtomicInteger();

	final AtomicInteger everCut = new AtomicInteger();

	final LongAdder recut = new LongAdder();

	final LongAdder rampFailures = new LongAdder();

	final LongAdder rampDrops = new LongAdder();

	final Map<Kind, LongAdder> outcomes = new EnumMap<>(Kind.class);

	final Map<String, LongAdder> statuses = new ConcurrentHashMap<>();

	final Map<String, LongAdder> cutHow = new ConcurrentHashMap<>();

	final Map<String, LongAdder> connectErrors = new ConcurrentHashMap<>();

	final LongAdder retryAfterMsSum = new LongAdder();

	final AtomicLong retryAfterMaxMs = new AtomicLong();

	final LongAdder attempts = new LongAdder();

	/** Connect start -> 101 of the successful reconnects (ns). */
	final Histogram connect101 = new Histogram(3);

	/** Client's own cut -> its tunnel re-established (ns). */
	final Histogram cutToBack = new Histogram(3);

	static final int SLOTS = 3600;

	final AtomicIntegerArray estPerS = new AtomicIntegerArray(SLOTS);

	final AtomicIntegerArray attemptsPerS = new AtomicIntegerArray(SLOTS);

	final AtomicIntegerArray shedPerS = new AtomicIntegerArray(SLOTS);

	final AtomicIntegerArray refusedPerS = new AtomicIntegerArray(SLOTS);

	final AtomicIntegerArray badPerS = new AtomicIntegerArray(SLOTS);

	final AtomicIntegerArray cutPerS = new AtomicIntegerArray(SLOTS);

	static final double[] MILESTONES = { 50, 90, 99, 100 };

	final AtomicLong[] milestoneNs = new AtomicLong[MILESTONES.length];

	final int[] milestoneCount = new int[MILESTONES.length];

	StormGen(Opts o, Result result, LoadGen.Target target, EventLoopGroup group, Bootstrap base) throws IOException {
		this.o = o;
		this.result = result;
		this.target = target;
		this.group = group;
		this.n = o.integer("clients", 10000);
		this.initialMs = o.dbl("initial-backoff-ms", 100);
		this.multiplier = o.dbl("multiplier", 2);
		this.jitter = o.dbl("jitter", 0.5);
		this.maxMs = o.dbl("max-backoff-ms", 5000);
		this.connectTimeoutMs = o.integer("connect-timeout-ms", 10000);
		this.base = base.clone().option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMs);
		if (Transport.EPOLL) {
			this.base.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
		}
		String src = o.str("source-addrs", "");
		List<InetSocketAddress> s = new ArrayList<>();
		for (String a : src.split(",")) {
			if (!a.isBlank()) {
				s.add(new InetSocketAddress(InetAddress.getByName(a.trim()), 0));
			}
		}
		this.sources = s.toArray(new InetSocketAddress[0]);
		for (Kind k : Kind.values()) {
			outcomes.put(k, new LongAdder());
		}
		for (int i = 0; i < MILESTONES.length; i++) {
			milestoneNs[i] = new AtomicLong();
			milestoneCount[i] = (int) Math.ceil(n * MILESTONES[i] / 100.0);
		}
		this.clients = new Client[n];
	}

	// ====================================================================== the run

	boolean run() throws Exception {
		double rampPerS = o.dbl("ramp-per-s", 2000);
		double rampTimeoutS = o.dbl("ramp-timeout-s", 180);
		double holdS = o.dbl("hold-s", 600);
		double stormTimeoutS = o.dbl("storm-timeout-s", 120);
		double dropAfterS = o.dbl("drop-after-s", -1);
		String readyFile = o.str("ready-file", null);
		String dropFile = o.str("drop-file", null);
		result.put("clients", n)
			.put("initial_backoff_ms", initialMs)
			.put("multiplier", multiplier)
			.put("jitter", jitter)
			.put("max_backoff_ms", maxMs)
			.put("connect_timeout_ms", connectTimeoutMs)
			.put("sources", Math.max(1, sources.length));

		ProcSampler sampler = new ProcSampler(o.all("cpu"), o.integer("clk-tck", 100));
		sampler.start();

		// --- ramp: first connects, spread evenly at --ramp-per-s
		long t0 = System.nanoTime();
		for (int i = 0; i < n; i++) {
			EventLoop loop = group.next();
			Client c = new Client(i, loop, sources.length == 0 ? null : sources[i % sources.length]);
			clients[i] = c;
			long due = t0 + (long) (i * 1e9 / rampPerS);
			loop.schedule(c::attempt, Math.max(0, due - System.nanoTime()), TimeUnit.NANOSECONDS);
		}
		long rampDeadline = t0 + LoadGen.secs(rampTimeoutS);
		while (openInitial.get() < n && System.nanoTime() < rampDeadline) {
			Thread.sleep(20);
		}
		double rampS = (System.nanoTime() - t0) / 1e9;
		result.put("opened", openInitial.get()).put("ramp_s", rampS).put("ramp_failures", rampFailures.sum());
		if (openInitial.get() < n) {
			LoadGen.log("storm: only %d of %d tunnels opened in %.0f s", openInitial.get(), n, rampTimeoutS);
			result.put("ok", 0).put("error", "ramp_incomplete");
			return false;
		}
		LoadGen.log("storm: %d tunnels open (%.1f s, %d failed attempts); waiting for the cut", n, rampS,
				rampFailures.sum());
		phase = HOLD;
		if (readyFile != null) {
			Files.writeString(Path.of(readyFile), "opened=" + n + "\n");
		}

		// --- hold until the first cut (or trigger it ourselves)
		long holdDeadline = System.nanoTime() + LoadGen.secs(holdS);
		long dropAt = dropAfterS >= 0 ? System.nanoTime() + LoadGen.secs(dropAfterS) : Long.MAX_VALUE;
		boolean dropped = false;
		while (cutNs.get() == 0 && System.nanoTime() < holdDeadline) {
			if (!dropped && (System.nanoTime() >= dropAt || (dropFile != null && Files.exists(Path.of(dropFile))))) {
				dropped = true;
				dropAll();
			}
			Thread.sleep(5);
		}
		if (cutNs.get() == 0) {
			result.put("ok", 0).put("error", "no_cut_within_hold_s");
			return false;
		}
		long cut = cutNs.get();
		long cutEpochMs = System.currentTimeMillis() - (System.nanoTime() - cut) / 1_000_000;
		ProcSampler.Window win = sampler.windowFrom(cut);
		result.put("cut_by", dropped ? "loadgen_drop" : "proxy").put("cut_epoch_ms", cutEpochMs);
		LoadGen.log("storm: cut detected; reconnecting");

		// --- storm: until every client was cut and is back, or --storm-timeout-s
		long stormDeadline = cut + LoadGen.secs(stormTimeoutS);
		long lastLog = System.nanoTime();
		while (System.nanoTime() < stormDeadline && !(everCut.get() == n && reEstablished.get() == n)) {
			Thread.sleep(10);
			if (System.nanoTime() - lastLog > 1_000_000_000L) {
				lastLog = System.nanoTime();
				LoadGen.log("storm: +%.0f s: %d cut, %d back, %d attempts", (lastLog - cut) / 1e9, everCut.get(),
						reEstablished.get(), attempts.sum());
			}
		}
		long end = System.nanoTime();
		phase = DONE;
		boolean complete = everCut.get() == n && reEstablished.get() == n;
		sampler.close(win);
		double stormS = (end - cut) / 1e9;
		result.put("complete", complete ? 1 : 0)
			.put("storm_s", stormS)
			.put("done_epoch_ms", cutEpochMs + (end - cut) / 1_000_000)
			.put("cut_clients", everCut.get())
			.put("reestablished", reEstablished.get())
			.put("recut", recut.sum())
			.put("ramp_drops", rampDrops.sum());
		for (int i = 0; i < MILESTONES.length; i++) {
			long t = milestoneNs[i].get();
			result.put("t" + (int) MILESTONES[i] + "_s",
					t == 0 ? "nan" : String.format(Locale.ROOT, "%.3f", (t - cut) / 1e9));
		}
		// outcomes of the reconnect attempts
		long total = 0;
		long bad = 0;
		StringBuilder otherSeen = new StringBuilder();
		for (Kind k : Kind.values()) {
			long v = outcomes.get(k).sum();
			total += v;
			result.put("o_" + k.key, v);
			if (!k.allowed() && v > 0) {
				bad += v;
				otherSeen.append(otherSeen.length() == 0 ? "" : ",").append(k.key).append(':').append(v);
			}
		}
		result.put("attempts", total);
		result.put("statuses", join(statuses));
		result.put("cut_how", join(cutHow));
		if (!connectErrors.isEmpty()) {
			result.put("connect_errors", join(connectErrors));
		}
		long ra = outcomes.get(Kind.S503_RA).sum();
		if (ra > 0) {
			result.put("retry_after_mean_ms", (double) retryAfterMsSum.sum() / ra)
				.put("retry_after_max_ms", retryAfterMaxMs.get());
		}
		result.put("only_allowed", bad == 0 ? 1 : 0).put("other_seen", otherSeen.length() == 0 ? "none" : otherSeen);
		synchronized (connect101) {
			putMs(result, "c101", connect101);
		}
		synchronized (cutToBack) {
			putMs(result, "back", cutToBack);
		}
		int secs = (int) Math.min(SLOTS, Math.ceil(stormS));
		result.put("curve_est", series(estPerS, secs))
			.put("curve_attempts", series(attemptsPerS, secs))
			.put("curve_503", series(shedPerS, secs))
			.put("curve_refused", series(refusedPerS, secs))
			.put("curve_other", series(badPerS, secs))
			.put("curve_cut", series(cutPerS, secs));
		win.report(result);
		LoadGen.log("storm: %s in %.1f s; t99=%s s t100=%s s; %d attempts; other than 101/503+RA/refused: %s",
				complete ? "complete" : "INCOMPLETE", stormS, result.kv.get("t99_s"), result.kv.get("t100_s"), total,
				result.kv.get("other_seen"));
		String json = o.str("report-json", null);
		if (json != null) {
			StringBuilder sb = new StringBuilder("{");
			result.kv.forEach((k, v) -> sb.append(sb.length() == 1 ? "" : ",")
				.append('"')
				.append(k)
				.append("\":\"")
				.append(v.replace("\"", ""))
				.append('"'));
			Files.writeString(Path.of(json), sb.append("}\n").toString());
		}
		// hang up (no close handshake: the proxies are stopped or restarted next anyway)
		for (Client c : clients) {
			if (c != null) {
				c.loop.execute(c::shutdown);
			}
		}
		Thread.sleep(300);
		return complete;
	}

	/** The load generator drops every open connection at once (no close frame). */
	private void dropAll() {
		LoadGen.log("storm: dropping all %d connections", n);
		for (Client c : clients) {
			c.loop.execute(() -> {
				if (c.conn != null && c.conn.ch != null) {
					c.conn.ch.close();
				}
			});
		}
	}

	static String join(Map<String, LongAdder> m) {
		if (m.isEmpty()) {
			return "none";
		}
		StringBuilder sb = new StringBuilder();
		new TreeMap<>(m)
			.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ",").append(k).append(':').append(v.sum()));
		return sb.toString().replace(' ', '_');
	}

	static String series(AtomicIntegerArray a, int secs) {
		StringBuilder sb = new StringBuilder();
		for (int i = 0; i < Math.max(1, secs); i++) {
			sb.append(i == 0 ? "" : ",").append(a.get(i));
		}
		return sb.toString();
	}

	static void putMs(Result r, String prefix, Histogram h) {
		r.put(prefix + "_count", h.getTotalCount());
		if (h.getTotalCount() == 0) {
			return;
		}
		r.put(prefix + "_p50_ms", h.getValueAtPercentile(50) / 1e6);
		r.put(prefix + "_p90_ms", h.getValueAtPercentile(90) / 1e6);
		r.put(prefix + "_p99_ms", h.getValueAtPercentile(99) / 1e6);
		r.put(prefix + "_max_ms", h.getMaxValue() / 1e6);
	}

	int slot(long now) {
		long cut = cutNs.get();
		if (cut == 0) {
			return -1;
		}
		long s = (now - cut) / 1_000_000_000L;
		return s < 0 ? 0 : (int) Math.min(SLOTS - 1, s);
	}

	void perSecond(AtomicIntegerArray a, long now) {
		int s = slot(now);
		if (s >= 0) {
			a.incrementAndGet(s);
		}
	}

	/**
	 * The backoff before reconnect attempt j (0 = the first after the cut): uniform in
	 * [(1-jitter) b, min((1+jitter) b, max)] with b = min(max, initial * multiplier^j).
	 */
	long backoffNs(int j) {
		double b = Math.min(maxMs, initialMs * Math.pow(multiplier, j));
		double lo = (1 - jitter) * b;
		double hi = Math.min((1 + jitter) * b, maxMs);
		double ms = hi > lo ? lo + ThreadLocalRandom.current().nextDouble() * (hi - lo) : lo;
		return (long) (ms * 1e6);
	}

	// ====================================================================== one client

	/** One simulated client; everything it does runs on its event loop. */
	final class Client {

		final int index;

		final EventLoop loop;

		final InetSocketAddress source;

		/** The current attempt or open tunnel. */
		Conn conn;

		/** Reconnect attempts made since this client's last cut (or since the start). */
		int tries;

		/** This client's last cut (ns); 0 before its first. */
		long cutAt;

		boolean counted;

		boolean stopped;

		Client(int index, EventLoop loop, InetSocketAddress source) {
			this.index = index;
			this.loop = loop;
			this.source = source;
		}

		void attempt() {
			if (stopped || phase == DONE) {
				return;
			}
			Conn c = new Conn(this, cutAt != 0);
			conn = c;
			if (c.storm) {
				attempts.increment();
				perSecond(attemptsPerS, c.t0);
			}
			Bootstrap b = base.clone(loop).handler(c);
			ChannelFuture f = source == null ? b.connect(target.addr()) : b.connect(target.addr(), source);
			c.ch = f.channel();
			f.addListener(fu -> {
				if (!fu.isSuccess()) {
					Throwable t = fu.cause();
					if (t instanceof ConnectTimeoutException) {
						c.settle(Kind.TIMEOUT, 0);
					}
					else if (t instanceof ConnectException && String.valueOf(t.getMessage()).contains("refused")) {
						c.settle(Kind.REFUSED, 0);
					}
					else if (String.valueOf(t.getMessage()).contains("reset")) {
						// SYN answered from a listen backlog that was then closed (a
						// restart)
						c.settle(Kind.RESET, 0);
					}
					else {
						if (c.storm && !c.settled) {
							connectErrors.computeIfAbsent(String.valueOf(t.getMessage()), k -> new LongAdder())
								.increment();
						}
						c.settle(Kind.CONNECT_ERROR, 0);
					}
				}
			});
			c.timer = loop.schedule(() -> {
				if (!c.settled) {
					c.settle(Kind.TIMEOUT, 0);
					c.ch.close();
				}
			}, connectTimeoutMs, TimeUnit.MILLISECONDS);
		}

		/**
		 * An attempt ended without a working tunnel: back off (honouring Retry-After).
		 */
		void failed(Kind kind, long retryAfterMs) {
			if (stopped || phase == DONE) {
				return;
			}
			if (cutAt == 0) {
				rampFailures.increment();
			}
			long delay = backoffNs(tries);
			tries++;
			if (retryAfterMs > 0) {
				delay = Math.max(delay, retryAfterMs * 1_000_000L);
			}
			loop.schedule(this::attempt, delay, TimeUnit.NANOSECONDS);
		}

		void established(Conn c) {
			tries = 0;
			long now = System.nanoTime();
			if (cutAt == 0) {
				openInitial.incrementAndGet();
				return;
			}
			synchronized (connect101) {
				connect101.recordValue(Math.max(1, c.t101 - c.t0));
			}
			synchronized (cutToBack) {
				cutToBack.recordValue(Math.max(1, now - cutAt));
			}
			perSecond(estPerS, now);
			counted = true;
			int back = reEstablished.incrementAndGet();
			for (int i = 0; i < MILESTONES.length; i++) {
				if (back >= milestoneCount[i]) {
					milestoneNs[i].compareAndSet(0, now);
				}
			}
		}

		/** The open tunnel was cut. */
		void cut(String how) {
			if (stopped || phase == DONE) {
				return;
			}
			long now = System.nanoTime();
			if (phase == RAMP) {
				rampDrops.increment();
				loop.schedule(this::attempt, backoffNs(0), TimeUnit.NANOSECONDS);
				tries = 1;
				return;
			}
			cutNs.compareAndSet(0, now);
			phase = STORM;
			cutHow.computeIfAbsent(how, k -> new LongAdder()).increment();
			perSecond(cutPerS, now);
			if (cutAt == 0) {
				everCut.incrementAndGet();
			}
			else {
				recut.increment();
			}
			if (counted) {
				counted = false;
				reEstablished.decrementAndGet();
			}
			cutAt = now;
			tries = 0;
			loop.schedule(this::attempt, backoffNs(tries++), TimeUnit.NANOSECONDS);
		}

		void shutdown() {
			stopped = true;
			if (conn != null && conn.ch != null) {
				conn.ch.close();
			}
		}

	}

	// ====================================================================== one
	// connection

	static final int HANDSHAKING = 0;

	static final int AWAIT_ECHO = 1;

	static final int OPEN = 2;

	static final int GONE = 3;

	/**
	 * One connection attempt and, once it works, the tunnel: upgrade request, response
	 * head (status, Retry-After, Sec-WebSocket-Accept), one text echo, then it waits for
	 * the cut. Frames are tiny here (the echo, a close frame), so they are accumulated
	 * and parsed whole.
	 */
	final class Conn extends ChannelInboundHandlerAdapter {

		final Client client;

		final boolean storm;

		final long t0 = System.nanoTime();

		long t101;

		Channel ch;

		io.netty.util.concurrent.ScheduledFuture<?> timer;

		int state = HANDSHAKING;

		boolean settled;

		String expectedAccept;

		ByteBuf acc;

		Throwable error;

		int closeCode = -1;

		Conn(Client client, boolean storm) {
			this.client = client;
			this.storm = storm;
		}

		/** The attempt's outcome (once). */
		void settle(Kind kind, long retryAfterMs) {
			if (settled) {
				return;
			}
			settled = true;
			if (timer != null) {
				timer.cancel(false);
			}
			if (storm) {
				outcomes.get(kind).increment();
				long now = System.nanoTime();
				switch (kind) {
					case S503_RA, S503_NO_RA -> perSecond(shedPerS, now);
					case REFUSED -> perSecond(refusedPerS, now);
					case OK_101 -> {
					}
					default -> perSecond(badPerS, now);
				}
			}
			if (kind == Kind.OK_101) {
				state = OPEN;
				client.established(this);
			}
			else {
				state = GONE;
				client.failed(kind, retryAfterMs);
			}
		}

		@Override
		public void channelActive(ChannelHandlerContext ctx) {
			byte[] keyBytes = new byte[16];
			ThreadLocalRandom.current().nextBytes(keyBytes);
			String key = Base64.getEncoder().encodeToString(keyBytes);
			try {
				MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
				sha1.update(key.getBytes(StandardCharsets.US_ASCII));
				sha1.update(GUID);
				expectedAccept = Base64.getEncoder().encodeToString(sha1.digest());
			}
			catch (NoSuchAlgorithmException e) {
				throw new IllegalStateException(e);
			}
			String req = "GET " + target.path() + " HTTP/1.1\r\nHost: " + target.hostHeader()
					+ "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
					+ "\r\nSec-WebSocket-Version: 13\r\n\r\n";
			ctx.writeAndFlush(Unpooled.wrappedBuffer(req.getBytes(StandardCharsets.US_ASCII)));
		}

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) {
			ByteBuf in = (ByteBuf) msg;
			if (state == GONE) {
				in.release();
				return;
			}
			if (acc == null) {
				acc = ctx.alloc().heapBuffer(256);
			}
			acc.writeBytes(in);
			in.release();
			if (state == HANDSHAKING) {
				int end = indexOfCrlfCrlf(acc);
				if (end < 0) {
					if (acc.readableBytes() > 16384) {
						settle(Kind.STATUS_OTHER, 0);
						ctx.close();
					}
					return;
				}
				String head = acc.toString(acc.readerIndex(), end - acc.readerIndex(), StandardCharsets.ISO_8859_1);
				acc.readerIndex(end + 4);
				handshake(ctx, head);
			}
			while (state == AWAIT_ECHO || state == OPEN) {
				if (!frame(ctx)) {
					break;
				}
			}
			if (acc != null && !acc.isReadable()) {
				acc.release();
				acc = null;
			}
		}

		private void handshake(ChannelHandlerContext ctx, String head) {
			int eol = head.indexOf("\r\n");
			String statusLine = eol < 0 ? head : head.substring(0, eol);
			String[] parts = statusLine.split(" ", 3);
			String status = parts.length >= 2 ? parts[1] : "?";
			String accept = null;
			String retryAfter = null;
			for (int pos = eol + 2; eol > 0 && pos < head.length();) {
				int end = head.indexOf("\r\n", pos);
				if (end < 0) {
					end = head.length();
				}
				int c = head.indexOf(':', pos);
				if (c > pos && c < end) {
					String name = head.substring(pos, c).trim().toLowerCase(Locale.ROOT);
					String value = head.substring(c + 1, end).trim();
					if (name.equals("sec-websocket-accept")) {
						accept = value;
					}
					else if (name.equals("retry-after")) {
						retryAfter = value;
					}
				}
				pos = end + 2;
			}
			if (storm) {
				statuses.computeIfAbsent(status, k -> new LongAdder()).increment();
			}
			if (status.equals("101")) {
				if (!expectedAccept.equals(accept)) {
					settle(Kind.BAD_ACCEPT, 0);
					ctx.close();
					return;
				}
				t101 = System.nanoTime();
				state = AWAIT_ECHO;
				ctx.writeAndFlush(textFrame(HELLO));
				return;
			}
			if (status.equals("503")) {
				if (retryAfter != null) {
					long ms = parseRetryAfterMs(retryAfter);
					if (storm) {
						retryAfterMsSum.add(ms);
						retryAfterMaxMs.accumulateAndGet(ms, Math::max);
					}
					settle(Kind.S503_RA, ms);
				}
				else {
					settle(Kind.S503_NO_RA, 0);
				}
			}
			else {
				settle(Kind.STATUS_OTHER, 0);
			}
			ctx.close();
		}

		/**
		 * Parses one whole frame from acc if there is one; false if more bytes are
		 * needed.
		 */
		private boolean frame(ChannelHandlerContext ctx) {
			if (acc == null || acc.readableBytes() < 2) {
				return false;
			}
			int r = acc.readerIndex();
			int b0 = acc.getUnsignedByte(r);
			int b1 = acc.getUnsignedByte(r + 1);
			int l7 = b1 & 0x7f;
			int hl = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0) + ((b1 & 0x80) != 0 ? 4 : 0);
			if (acc.readableBytes() < hl) {
				return false;
			}
			long len = l7 == 126 ? acc.getUnsignedShort(r + 2) : l7 == 127 ? acc.getLong(r + 2) : l7;
			if (acc.readableBytes() < hl + len) {
				return false;
			}
			int op = b0 & 0x0f;
			int payloadAt = r + hl;
			acc.readerIndex((int) (payloadAt + len));
			if (op == 8) {
				closeCode = len >= 2 ? acc.getUnsignedShort(payloadAt) : 1005;
				byte[] p = { (byte) (closeCode >>> 8), (byte) closeCode };
				ctx.writeAndFlush(maskedFrame(8, closeCode == 1005 ? new byte[0] : p)).addListener(f -> ctx.close());
				return false;
			}
			if (op == 9) {
				byte[] p = new byte[(int) len];
				acc.getBytes(payloadAt, p);
				ctx.writeAndFlush(maskedFrame(10, p));
				return true;
			}
			if (state == AWAIT_ECHO && (op == 1 || op == 2)) {
				settle(Kind.OK_101, 0);
			}
			return true;
		}

		@Override
		public void channelInactive(ChannelHandlerContext ctx) {
			if (acc != null) {
				acc.release();
				acc = null;
			}
			int was = state;
			state = GONE;
			if (was == OPEN) {
				client.cut(closeCode >= 0 ? "close_frame_" + closeCode
						: error != null ? "error_" + shortError(error) : "closed_without_close_frame");
			}
			else if (!settled) {
				if (was == AWAIT_ECHO) {
					settle(Kind.CLOSED_AFTER_101, 0);
				}
				else if (error != null && String.valueOf(error.getMessage()).contains("reset")) {
					settle(Kind.RESET, 0);
				}
				else {
					settle(Kind.CLOSED_MID_HS, 0);
				}
			}
		}

		@Override
		public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
			if (error == null) {
				error = cause;
			}
			ctx.close();
		}

	}

	static String shortError(Throwable t) {
		String m = String.valueOf(t.getMessage());
		if (m.contains("reset")) {
			return "reset";
		}
		return t.getClass().getSimpleName();
	}

	static long parseRetryAfterMs(String v) {
		try {
			return (long) (Double.parseDouble(v.trim()) * 1000);
		}
		catch (NumberFormatException e) {
			return 1000; // an HTTP date: not expected from a gateway; wait a second
		}
	}

	static ByteBuf textFrame(byte[] payload) {
		return maskedFrame(1, payload);
	}

	static ByteBuf maskedFrame(int op, byte[] payload) {
		byte[] m = new byte[4];
		ThreadLocalRandom.current().nextBytes(m);
		ByteBuf b = Unpooled.buffer(6 + payload.length);
		b.writeByte(0x80 | op);
		b.writeByte(0x80 | payload.length);
		b.writeBytes(m);
		for (int i = 0; i < payload.length; i++) {
			b.writeByte(payload[i] ^ m[i & 3]);
		}
		return b;
	}

	static int indexOfCrlfCrlf(ByteBuf b) {
		int end = b.writerIndex() - 3;
		for (int i = b.readerIndex(); i < end; i++) {
			if (b.getByte(i) == '\r' && b.getByte(i + 1) == '\n' && b.getByte(i + 2) == '\r'
					&& b.getByte(i + 3) == '\n') {
				return i;
			}
		}
		return -1;
	}

}
