package dev.switchboard.soak;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.netty.channel.ChannelOption;
import org.awaitility.core.ConditionTimeoutException;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;
import reactor.netty.resources.LoopResources;

import static org.awaitility.Awaitility.await;

/**
 * The soak's clients: their own event loops, a scheduler for the steady message rate (one
 * periodic task per client, offsets spread evenly over the interval), one for reconnects,
 * and what they saw: every close and every reconnect.
 */
final class SoakClients implements AutoCloseable {

	final SoakSettings settings;

	private final int[] ports;

	private final LoopResources loops = LoopResources.create("soak-client", 2, true);

	final HttpClient http;

	final WebsocketClientSpec spec = WebsocketClientSpec.builder()
		.maxFramePayloadLength(64 * 1024)
		// Pongs answered by the client itself, as browsers do.
		.handlePing(false)
		.build();

	final ScheduledExecutorService reconnector = Executors.newSingleThreadScheduledExecutor(daemon("soak-reconnect"));

	private final ScheduledExecutorService senders = Executors.newScheduledThreadPool(2, daemon("soak-send"));

	private final List<ScheduledFuture<?>> senderTasks = new ArrayList<>();

	final List<SoakClient> clients = new ArrayList<>();

	final ConcurrentLinkedQueue<Closed> closes = new ConcurrentLinkedQueue<>();

	final ConcurrentLinkedQueue<Reconnected> reconnects = new ConcurrentLinkedQueue<>();

	private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();

	volatile boolean sending;

	SoakClients(SoakSettings settings, int... ports) {
		this.settings = settings;
		this.ports = ports;
		this.http = HttpClient.newConnection().runOn(this.loops).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000);
		for (int i = 0; i < settings.clients(); i++) {
			this.clients.add(new SoakClient(this, i, i % ports.length));
		}
	}

	private static ThreadFactory daemon(String name) {
		return (task) -> {
			Thread thread = new Thread(task, name);
			thread.setDaemon(true);
			return thread;
		};
	}

	String url(int replica) {
		return "ws://127.0.0.1:" + this.ports[replica] + SoakClient.PATH;
	}

	/**
	 * Connects every client to its home replica, {@code connectRate} new clients a
	 * second.
	 */
	void connectAll() {
		long step = 1_000_000_000L / this.settings.connectRate();
		for (SoakClient client : this.clients) {
			this.reconnector.schedule(() -> client.connect(client.home, false), client.id * step, TimeUnit.NANOSECONDS);
		}
	}

	/** Starts every client's periodic sender, spread evenly over one interval. */
	void startSending() {
		this.sending = true;
		long interval = this.settings.messageInterval().toNanos();
		for (SoakClient client : this.clients) {
			long offset = interval * client.id / this.clients.size();
			this.senderTasks
				.add(this.senders.scheduleAtFixedRate(client::send, offset, interval, TimeUnit.NANOSECONDS));
		}
	}

	void stopSending() {
		this.sending = false;
		this.senderTasks.forEach((task) -> task.cancel(false));
	}

	/**
	 * Makes {@code share} of the clients (spread over the ids, at least one) reload:
	 * close with 1000 and reconnect at once. Returns how many did.
	 */
	int reload(double share) {
		// Odd, so both home replicas get some.
		int step = (int) Math.max(1, Math.round(1 / share)) | 1;
		int reloaded = 0;
		for (SoakClient client : this.clients) {
			if (client.id % step == 0 && client.reload()) {
				reloaded++;
			}
		}
		return reloaded;
	}

	List<SoakClient.State> states() {
		return this.clients.stream().map(SoakClient::state).toList();
	}

	/** Whether every client has an open tunnel whose backend has answered. */
	boolean allOpen() {
		return this.clients.stream().allMatch((client) -> client.state().open());
	}

	/** Messages sent on open tunnels that have not come back yet. */
	long unechoed() {
		long unechoed = 0;
		for (SoakClient.State state : states()) {
			unechoed += state.tunnelSent() - state.tunnelReceived();
		}
		return unechoed;
	}

	/** Open tunnels per replica index. */
	int[] openPerReplica() {
		int[] open = new int[this.ports.length];
		for (SoakClient.State state : states()) {
			if (state.open()) {
				open[state.replica()]++;
			}
		}
		return open;
	}

	void failure(Throwable error) {
		String key = error.getClass().getSimpleName();
		String message = String.valueOf(error.getMessage());
		key += ": " + ((message.length() > 80) ? message.substring(0, 80) : message).replaceAll("[0-9]+", "N");
		this.failures.computeIfAbsent(key, (k) -> new LongAdder()).increment();
	}

	/** Failed connection attempts by exception and message. */
	Map<String, Long> failures() {
		Map<String, Long> counts = new TreeMap<>();
		this.failures.forEach((key, count) -> counts.put(key, count.sum()));
		return counts;
	}

	/** Closes every tunnel with 1000 and waits (bounded) for them to be closed. */
	@Override
	public void close() {
		stopSending();
		this.clients.forEach(SoakClient::stop);
		try {
			await("the clients' tunnels closed").atMost(Duration.ofSeconds(10))
				.until(() -> this.clients.stream().noneMatch(SoakClient::isChannelActive));
		}
		catch (ConditionTimeoutException ex) {
			// the event loops are disposed below either way
		}
		this.senders.shutdownNow();
		this.reconnector.shutdownNow();
		this.loops.disposeLater(Duration.ZERO, Duration.ofSeconds(2)).block(Duration.ofSeconds(10));
	}

	/**
	 * A tunnel a client saw end (its own ends at the close of the run are not recorded).
	 *
	 * @param client the client
	 * @param replica the gateway replica it went through
	 * @param instance the backend instance that answered, or null if none did yet
	 * @param code the close code received, -1 when none (the connection ended without a
	 * close frame)
	 * @param reason the close reason
	 * @param closeFrame whether a close frame arrived (not 1006, not -1)
	 * @param at when
	 * @param sent messages sent on the tunnel
	 * @param received echoes received on it
	 * @param gaps echoes out of order or missing in the middle
	 * @param byClient whether the client closed it itself (a reload), not a fault
	 */
	record Closed(int client, int replica, String instance, int code, String reason, boolean closeFrame, long at,
			long sent, long received, long gaps, boolean byClient) {

		long inFlight() {
			return this.sent - this.received;
		}

	}

	/**
	 * A client back after a close.
	 *
	 * @param client the client
	 * @param closedAt when its previous tunnel ended
	 * @param closeCode how it ended
	 * @param attemptStart when the successful attempt started
	 * @param openedAt when the 101 arrived
	 * @param previousInstance the backend instance of the previous tunnel
	 * @param instance the backend instance of the new one
	 * @param previousReplica the replica of the previous tunnel
	 * @param replica the replica of the new one
	 * @param attempts connection attempts it took
	 */
	record Reconnected(int client, long closedAt, int closeCode, long attemptStart, long openedAt,
			String previousInstance, String instance, int previousReplica, int replica, int attempts) {

		Duration time() {
			return Duration.ofNanos(this.openedAt - this.closedAt);
		}

		/** The successful attempt alone: connect to 101. */
		Duration handshake() {
			return Duration.ofNanos(this.openedAt - this.attemptStart);
		}

	}

}
