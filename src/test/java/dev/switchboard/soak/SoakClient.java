package dev.switchboard.soak;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * One soak client, behaving like a real client library: it connects to its home replica
 * (the other when that one refuses), keeps the sticky cookie the gateway sets and
 * presents it on every reconnect, reconnects after any close with exponential backoff and
 * full jitter, and sends {@code <client>:<seq>} at a steady rate. The backend answers its
 * name first on {@code /ws/whoami}, then echoes: every echo must come back in order with
 * no gap. All state is guarded by the client's lock (sender thread, event loop and
 * reconnect scheduler all touch it).
 */
final class SoakClient {

	static final String PATH = "/chat/ws/whoami";

	private final SoakClients owner;

	final int id;

	/** The replica this client tries first. */
	final int home;

	private final String prefix;

	private String cookie;

	private long nextSeq;

	private Tunnel tunnel;

	/** The last tunnel that ended, while this client has not reconnected yet. */
	private Tunnel lastClosed;

	private int failedRounds;

	private int attempts;

	private long sent;

	private long received;

	private volatile boolean stopped;

	SoakClient(SoakClients owner, int id, int home) {
		this.owner = owner;
		this.id = id;
		this.home = home;
		this.prefix = id + ":";
	}

	/** Starts a connection attempt to {@code replica}. */
	void connect(int replica, boolean otherTried) {
		if (this.stopped) {
			return;
		}
		long attemptStart = System.nanoTime();
		String presented;
		synchronized (this) {
			presented = this.cookie;
			this.attempts++;
		}
		this.owner.http.headers((headers) -> {
			if (presented != null) {
				headers.set("Cookie", presented);
			}
		})
			.websocket(this.owner.spec)
			.uri(this.owner.url(replica))
			.connect()
			.timeout(Duration.ofSeconds(15))
			.subscribe((connection) -> opened(connection, replica, attemptStart),
					(error) -> failed(error, replica, otherTried));
	}

	private void opened(Connection connection, int replica, long attemptStart) {
		HttpHeaders headers = ((HttpClientResponse) connection).responseHeaders();
		Tunnel opened;
		synchronized (this) {
			if (this.stopped) {
				connection.dispose();
				return;
			}
			for (String set : headers.getAll("Set-Cookie")) {
				if (set.startsWith(SoakCluster.COOKIE + "=")) {
					int end = set.indexOf(';');
					this.cookie = (end < 0) ? set : set.substring(0, end);
				}
			}
			if (this.lastClosed != null) {
				this.lastClosed.previous = null;
			}
			opened = new Tunnel(connection, replica, this.nextSeq, attemptStart, System.nanoTime(), this.lastClosed,
					this.attempts);
			this.tunnel = opened;
			this.lastClosed = null;
			this.failedRounds = 0;
			this.attempts = 0;
		}
		WebsocketInbound in = (WebsocketInbound) connection;
		in.receiveFrames().subscribe((frame) -> onFrame(opened, frame), (error) -> {
		});
		in.receiveCloseStatus()
			.map(Optional::of)
			.defaultIfEmpty(Optional.empty())
			.onErrorReturn(Optional.empty())
			.subscribe((status) -> onClose(opened, status.orElse(null)));
	}

	private void failed(Throwable error, int replica, boolean otherTried) {
		this.owner.failure(error);
		if (this.stopped) {
			return;
		}
		if (!otherTried) {
			connect(1 - replica, true);
			return;
		}
		synchronized (this) {
			this.failedRounds++;
		}
		scheduleReconnect();
	}

	private void scheduleReconnect() {
		long bound;
		synchronized (this) {
			long base = this.owner.settings.backoffBase().toNanos();
			bound = Math.min(this.owner.settings.backoffCap().toNanos(), base << Math.min(this.failedRounds, 20));
		}
		long delay = ThreadLocalRandom.current().nextLong(bound + 1);
		this.owner.reconnector.schedule(() -> connect(this.home, false), delay, TimeUnit.NANOSECONDS);
	}

	private void onFrame(Tunnel on, WebSocketFrame frame) {
		if (!(frame instanceof TextWebSocketFrame textFrame)) {
			return;
		}
		String text = textFrame.text();
		SoakClients.Reconnected reconnected = null;
		synchronized (this) {
			if (on.instance == null) {
				on.instance = text;
				Tunnel previous = on.previous;
				if (previous != null) {
					reconnected = new SoakClients.Reconnected(this.id, previous.closedAt, previous.closeCode,
							on.attemptStart, on.openedAt, previous.instance, on.instance, previous.replica, on.replica,
							on.attempts);
					on.previous = null;
				}
			}
			else {
				long seq = text.startsWith(this.prefix) ? parse(text.substring(this.prefix.length())) : -1;
				if (seq != on.expected) {
					on.gaps++;
				}
				if (seq >= 0) {
					on.expected = seq + 1;
				}
				on.received++;
				this.received++;
			}
		}
		if (reconnected != null) {
			this.owner.reconnects.add(reconnected);
		}
	}

	private static long parse(String seq) {
		try {
			return Long.parseLong(seq);
		}
		catch (NumberFormatException ex) {
			return -1;
		}
	}

	private void onClose(Tunnel on, WebSocketCloseStatus status) {
		SoakClients.Closed closed;
		synchronized (this) {
			if (on.closedAt != 0) {
				return;
			}
			on.closedAt = System.nanoTime();
			if (this.tunnel == on) {
				this.tunnel = null;
			}
			if (this.stopped) {
				return;
			}
			on.closeCode = (status != null) ? status.code() : -1;
			boolean closeFrame = status != null && status.code() != 1006 && status.code() != -1;
			closed = new SoakClients.Closed(this.id, on.replica, on.instance, on.closeCode,
					(status != null) ? status.reasonText() : null, closeFrame, on.closedAt, on.sent, on.received,
					on.gaps, on.reloading);
			this.lastClosed = on;
		}
		this.owner.closes.add(closed);
		scheduleReconnect();
	}

	/** Sends the next message on the open tunnel, if there is one. */
	void send() {
		if (!this.owner.sending) {
			return;
		}
		synchronized (this) {
			if (this.stopped || this.tunnel == null) {
				return;
			}
			long seq = this.nextSeq++;
			this.tunnel.sent++;
			this.sent++;
			this.tunnel.connection.channel().writeAndFlush(new TextWebSocketFrame(this.prefix + seq));
		}
	}

	/**
	 * Closes the open tunnel with 1000 and reconnects, as a page reload does; returns
	 * whether there was a tunnel to close.
	 */
	boolean reload() {
		Tunnel open;
		synchronized (this) {
			open = this.tunnel;
			if (open == null || this.stopped) {
				return false;
			}
			open.reloading = true;
		}
		((WebsocketOutbound) open.connection).sendClose(1000, "reload")
			.subscribe(null, (error) -> open.connection.dispose());
		return true;
	}

	/** What this client's current tunnel and totals look like now. */
	synchronized State state() {
		Tunnel open = this.tunnel;
		if (open == null) {
			return new State(false, -1, null, 0, 0, 0, this.sent, this.received);
		}
		return new State(open.instance != null, open.replica, open.instance, open.sent, open.received, open.gaps,
				this.sent, this.received);
	}

	/** Stops reconnecting and closes the open tunnel with 1000. */
	void stop() {
		Tunnel open;
		synchronized (this) {
			this.stopped = true;
			open = this.tunnel;
		}
		if (open != null) {
			((WebsocketOutbound) open.connection).sendClose(1000, "soak over")
				.timeout(Duration.ofSeconds(5))
				.subscribe(null, (error) -> open.connection.dispose(), open.connection::dispose);
		}
	}

	boolean isChannelActive() {
		Tunnel open;
		synchronized (this) {
			open = this.tunnel;
		}
		return open != null && open.connection.channel().isActive();
	}

	/**
	 * A client's state: whether a tunnel is open (and its backend has answered), and its
	 * counts.
	 */
	record State(boolean open, int replica, String instance, long tunnelSent, long tunnelReceived, long tunnelGaps,
			long sent, long received) {
	}

	/** One WebSocket connection of a client, from its 101 to its close. */
	private static final class Tunnel {

		final Connection connection;

		final int replica;

		final long attemptStart;

		final long openedAt;

		/**
		 * The tunnel this one replaces (null for the client's first, and once the
		 * reconnect is recorded).
		 */
		Tunnel previous;

		/** Connection attempts it took. */
		final int attempts;

		String instance;

		long expected;

		long sent;

		long received;

		long gaps;

		long closedAt;

		int closeCode;

		/** Whether the client itself closed it ({@link #reload()}). */
		volatile boolean reloading;

		Tunnel(Connection connection, int replica, long firstSeq, long attemptStart, long openedAt, Tunnel previous,
				int attempts) {
			this.connection = connection;
			this.replica = replica;
			this.expected = firstSeq;
			this.attemptStart = attemptStart;
			this.openedAt = openedAt;
			this.previous = previous;
			this.attempts = attempts;
		}

	}

}
