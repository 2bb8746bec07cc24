package dev.switchboard.edge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.switchboard.support.GatewayTest;
import dev.switchboard.support.RawHttp;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The slowloris bound, {@code switchboard.client-header-timeout} (1 s in these tests), in
 * pairs.
 */
class ClientHeaderTimeoutTest extends GatewayTest {

	/**
	 * One header byte every 50 ms keeps the connection busy enough for any idle timer
	 * (here 200 ms), so only the header timeout (1 s) can drop it; meanwhile other
	 * clients are served.
	 */
	@Test
	void aClientSendingHeadersSlowlyIsDroppedAtTheHeaderTimeoutWhileOthersAreServed() throws Exception {
		ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
		try (RawHttp slow = new RawHttp(this.port)) {
			byte[] request = RawHttp.handshake("/ws", "Upgrade: websocket", "Connection: Upgrade").getBytes();
			long start = System.nanoTime();
			AtomicInteger next = new AtomicInteger();
			pacer.scheduleAtFixedRate(() -> {
				int i = next.getAndIncrement();
				if (i < request.length) {
					try {
						slow.send(new byte[] { request[i] });
					}
					catch (IOException ex) {
						next.set(request.length); // reset by the gateway: nothing more to
													// send
					}
				}
			}, 0, 50, TimeUnit.MILLISECONDS);
			CompletableFuture<Duration> closed = CompletableFuture.supplyAsync(() -> {
				try {
					return slow.awaitClosedByPeer() ? Duration.ofNanos(System.nanoTime() - start) : null;
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			});
			for (int i = 0; !closed.isDone(); i++) {
				try (WsClient other = WsClient.connect(ws("/ws"))) {
					other.sendText("served " + i);
					assertThat(other.nextText()).isEqualTo("served " + i);
				}
			}
			assertThat(closed.get()).as("the gateway closed the slowloris connection")
				.isBetween(Duration.ofMillis(950), Duration.ofSeconds(3));
			assertThat(next.get()).as("header bytes sent before the close").isLessThan(request.length);
		}
		finally {
			pacer.shutdownNow();
		}
	}

	@Test
	void headersCompletedBeforeTheTimeoutAreServed() throws Exception {
		try (RawHttp slow = new RawHttp(this.port)) {
			byte[] request = "GET /http/slow-but-in-time HTTP/1.1\r\nHost: gateway\r\n\r\n".getBytes();
			for (int i = 0; i < request.length; i++) {
				slow.send(new byte[] { request[i] });
				if (i % 10 == 0) {
					TimeUnit.MILLISECONDS.sleep(60); // about 0.4 s for the whole head,
														// under the 1 s bound
				}
			}
			assertThat(slow.readHead()).startsWith("HTTP/1.1 200 ");
		}
	}

	/**
	 * A request that announces a body and never sends it is dropped at the body timeout
	 * (1 s in these tests) instead of holding its connection, and the backend's, for
	 * ever.
	 */
	@Test
	void aBodyThatNeverArrivesIsDroppedAtTheBodyTimeout() throws Exception {
		try (RawHttp stalled = new RawHttp(this.port)) {
			stalled.socket().setSoTimeout(8000);
			long start = System.nanoTime();
			stalled.send("GET /http/stalled HTTP/1.1\r\nHost: gateway\r\nUpgrade: h2c\r\nContent-Length: 5\r\n\r\n");
			try (WsClient other = WsClient.connect(ws("/ws"))) {
				other.sendText("served");
				assertThat(other.nextText()).isEqualTo("served");
			}
			String answer = new String(stalled.readUpTo(4096));
			Duration waited = Duration.ofNanos(System.nanoTime() - start);
			assertThat(answer).as("no answer or a 408")
				.satisfiesAnyOf((a) -> assertThat(a).isEmpty(), (a) -> assertThat(a).startsWith("HTTP/1.1 408"));
			assertThat(waited).isBetween(Duration.ofMillis(950), Duration.ofSeconds(5));
		}
	}

}
