package dev.switchboard.shutdown;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.switchboard.SwitchboardApplication;
import dev.switchboard.support.ChildJvm;
import dev.switchboard.support.Ports;
import dev.switchboard.support.TestBackend;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A replica with thousands of open tunnels is sent SIGTERM, as a rolling update does: it
 * runs in a process of its own, the clients and the backend in this JVM. Every client
 * gets {@code 1012}, the closes are spread evenly over the window (first and last close,
 * and the count per second, are measured and logged), the process exits within the grace
 * period the chart would give it, and no backend connection ends without a close frame.
 * {@code -Dshutdown.tunnels} and {@code -Dshutdown.spread} change the size.
 */
class SigtermSpreadTest {

	private static final Log logger = LogFactory.getLog(SigtermSpreadTest.class);

	static final int TUNNELS = Integer.getInteger("shutdown.tunnels", 2000);

	static final Duration ACCEPT_DELAY = Duration.ofSeconds(1);

	static final Duration SPREAD = Duration.ofSeconds(Long.getLong("shutdown.spread", 5));

	static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);

	static final Duration SHUTDOWN_PHASE = Duration.ofSeconds(5);

	/** What the chart derives terminationGracePeriodSeconds from. */
	static final Duration GRACE = ACCEPT_DELAY.plus(SPREAD)
		.plus(CLOSE_TIMEOUT)
		.plus(SHUTDOWN_PHASE)
		.plus(Duration.ofSeconds(5));

	static final TestBackend backend = new TestBackend();

	static ChildJvm gateway;

	static int port;

	@BeforeAll
	static void start() throws Exception {
		port = Ports.free();
		String route = "--spring.cloud.gateway.server.webflux.routes[0]";
		gateway = ChildJvm.start("gateway-sigterm", SwitchboardApplication.class, List.of(),
				List.of("--server.port=" + port, "--management.server.port=0", route + ".id=echo",
						route + ".uri=ws://127.0.0.1:" + backend.port(), route + ".predicates[0]=Path=/**",
						"--switchboard.shutdown.accept-delay=" + ACCEPT_DELAY.toMillis() + "ms",
						"--switchboard.shutdown.close-spread=" + SPREAD.toMillis() + "ms",
						"--switchboard.close-timeout=" + CLOSE_TIMEOUT.toMillis() + "ms",
						"--spring.lifecycle.timeout-per-shutdown-phase=" + SHUTDOWN_PHASE.toMillis() + "ms",
						"--switchboard.access-log.enabled=false"));
		gateway.awaitLine("Started SwitchboardApplication", Duration.ofSeconds(60));
	}

	@AfterAll
	static void stop() throws Exception {
		if (gateway != null) {
			gateway.close();
		}
		backend.close();
	}

	@Test
	void everyClientGets1012SpreadOverTheWindowAndTheReplicaExitsInTime() throws Exception {
		Map<WsClient, Long> closedAt = new ConcurrentHashMap<>();
		List<WsClient> clients = connect(closedAt);
		try {
			backend.closes.clear();
			long terminated = System.nanoTime();
			gateway.terminate();
			for (WsClient client : clients) {
				WebSocketCloseStatus status = client.closeStatus.get(GRACE.toMillis(), TimeUnit.MILLISECONDS);
				assertThat(status.code()).as("every client gets a close frame with 1012").isEqualTo(1012);
			}
			assertThat(gateway.awaitExit(GRACE)).as("the replica exits within its grace period").isTrue();
			long exited = System.nanoTime();

			List<Long> times = closedAt.values().stream().sorted().toList();
			long first = times.get(0);
			long last = times.get(times.size() - 1);
			Map<Long, Integer> perSecond = new TreeMap<>();
			times.forEach((time) -> perSecond.merge(TimeUnit.NANOSECONDS.toSeconds(time - first), 1, Integer::sum));
			logger.info(TUNNELS + " tunnels, SIGTERM: first close after " + millis(first - terminated)
					+ " ms, last after " + millis(last - terminated) + " ms (window " + SPREAD.toMillis()
					+ " ms), closes per second from the first " + perSecond + ", exit after "
					+ millis(exited - terminated) + " ms");

			assertThat(Duration.ofNanos(first - terminated)).as("nothing closed during the accept delay")
				.isGreaterThanOrEqualTo(ACCEPT_DELAY.minusMillis(50));
			assertThat(Duration.ofNanos(last - first)).as("closes spread over the window")
				.isBetween(SPREAD.multipliedBy(9).dividedBy(10), SPREAD.plusSeconds(2));
			int even = (int) (TUNNELS / SPREAD.toSeconds());
			for (long second = 0; second < SPREAD.toSeconds() - 1; second++) {
				assertThat(perSecond.getOrDefault(second, 0)).as("closes in second %d of the window", second)
					.isBetween(even / 2, even * 3 / 2);
			}

			List<WebSocketCloseStatus> atBackend = new ArrayList<>();
			for (int i = 0; i < TUNNELS; i++) {
				WebSocketCloseStatus status = backend.closes.poll(10, TimeUnit.SECONDS);
				assertThat(status).as("backend close %d", i).isNotNull();
				atBackend.add(status);
			}
			assertThat(atBackend).as("every backend connection ended with the gateway's 1001, none with 1006")
				.allSatisfy((status) -> assertThat(status.code()).isEqualTo(1001));
		}
		finally {
			clients.forEach(WsClient::close);
		}
	}

	/**
	 * TUNNELS echoing tunnels, opened a few at a time; each records when its close
	 * arrives.
	 */
	static List<WsClient> connect(Map<WsClient, Long> closedAt) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(8);
		try {
			List<Future<WsClient>> opening = new ArrayList<>();
			for (int i = 0; i < TUNNELS; i++) {
				String text = "hello " + i;
				opening.add(pool.submit(() -> {
					WsClient client = WsClient.connect("ws://127.0.0.1:" + port + "/ws");
					client.sendText(text);
					assertThat(client.nextText()).isEqualTo(text);
					client.closeStatus.thenRun(() -> closedAt.put(client, System.nanoTime()));
					return client;
				}));
			}
			List<WsClient> clients = new ArrayList<>();
			for (Future<WsClient> client : opening) {
				clients.add(client.get(60, TimeUnit.SECONDS));
			}
			return clients;
		}
		finally {
			pool.shutdown();
		}
	}

	static long millis(long nanos) {
		return TimeUnit.NANOSECONDS.toMillis(nanos);
	}

}
