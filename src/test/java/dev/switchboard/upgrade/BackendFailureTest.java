package dev.switchboard.upgrade;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.switchboard.support.GatewayTest;
import dev.switchboard.support.RawHttp;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An unreachable or mute backend gets the client a fast, precise answer, never a hang.
 */
class BackendFailureTest extends GatewayTest {

	static final String[] HANDSHAKE = { "Upgrade: websocket", "Connection: Upgrade",
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13" };

	@Test
	void connectionRefusedIs502Immediately() throws Exception {
		Timed timed = handshake("/refused/chat");
		assertThat(timed.head).startsWith("HTTP/1.1 502 ");
		assertThat(timed.elapsed).isLessThan(Duration.ofSeconds(2));
	}

	@Test
	void noTcpAnswerIs504AfterTheConnectTimeout() throws Exception {
		Timed timed = handshake("/blackhole/chat");
		assertThat(timed.head).startsWith("HTTP/1.1 504 ");
		// the route's connect-timeout is 500 ms
		assertThat(timed.elapsed).isBetween(Duration.ofMillis(450), Duration.ofMillis(3000));
	}

	@Test
	void noHandshakeAnswerIs504AfterTheHandshakeTimeout() throws Exception {
		Timed timed = handshake("/silent/chat");
		assertThat(timed.head).startsWith("HTTP/1.1 504 ");
		// the route's handshake-timeout is 500 ms
		assertThat(timed.elapsed).isBetween(Duration.ofMillis(450), Duration.ofMillis(3000));
	}

	private Timed handshake(String path) throws Exception {
		try (RawHttp raw = new RawHttp(this.port)) {
			long start = System.nanoTime();
			raw.send(RawHttp.handshake(path, HANDSHAKE));
			String head = raw.readHead();
			return new Timed(head, Duration.ofNanos(System.nanoTime() - start));
		}
	}

	private record Timed(String head, Duration elapsed) {
	}

}
