package dev.switchboard.tunnel;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.switchboard.support.GatewayTest;
import dev.switchboard.support.RawWebSocket;
import dev.switchboard.support.RawWebSocket.Frame;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Frames no client may send are judged at their header: the client gets 1002 and its
 * connection is closed at once, the backend gets 1001 and never sees the frame. A frame
 * left unfinished is bounded by the frame timeout (1008). After the gateway's own close,
 * the connection ends as soon as the peer answers, not when the close timeout runs out.
 */
class FrameViolationTest extends GatewayTest {

	@BeforeEach
	void forgetEarlierCloses() {
		backend.closes.clear();
	}

	@AfterEach
	void othersAreStillServed() throws Exception {
		try (WsClient client = WsClient.connect(ws("/ws"))) {
			client.sendText("still here");
			assertThat(client.nextText()).isEqualTo("still here");
		}
	}

	static byte[][] violations() {
		byte[] rsv = RawWebSocket.clientFrame(true, 0x1, ascii("x"));
		rsv[0] |= 0x20;
		return new byte[][] { RawWebSocket.frame(true, 0x1, false, ascii("unmasked")),
				RawWebSocket.clientFrame(true, 0x3, ascii("reserved opcode")),
				RawWebSocket.clientFrame(false, 0x9, ascii("fragmented ping")),
				RawWebSocket.clientFrame(true, 0x0, ascii("continuation of nothing")), rsv,
				RawWebSocket.clientFrame(true, 0x8, RawWebSocket.closePayload(1005, "not on the wire")) };
	}

	@ParameterizedTest
	@MethodSource("violations")
	void aFrameNoClientMaySendGets1002AndAClosedConnectionAndTheBackend1001(byte[] violation) throws Exception {
		try (RawWebSocket client = RawWebSocket.connect(this.port, "/ws?violation")) {
			client.send(violation);
			Frame close = client.next();
			assertThat(close).as("the first frame back is the gateway's close, no echo").isNotNull();
			assertThat(close.opcode()).isEqualTo(0x8);
			assertThat(close.closeCode()).isEqualTo(1002);
			long closedAt = System.nanoTime();
			assertThat(client.awaitClosedByPeer()).isTrue();
			assertThat(Duration.ofNanos(System.nanoTime() - closedAt)).as("FIN right after the close frame")
				.isLessThan(Duration.ofMillis(100));
		}
		backend.awaitClose(1001, null, Duration.ofSeconds(5));
	}

	@Test
	void afterAMessageTooBigTheConnectionEndsAsSoonAsTheClientAnswersTheClose() throws Exception {
		try (RawWebSocket client = RawWebSocket.connect(this.port, "/small/ws")) {
			client.send(RawWebSocket.clientFrame(true, 0x2, new byte[2048]));
			Frame close = client.nextClose();
			assertThat(close.closeCode()).isEqualTo(1009);
			client.send(RawWebSocket.clientFrame(true, 0x8, RawWebSocket.closePayload(1000, "ok")));
			long answeredAt = System.nanoTime();
			assertThat(client.awaitClosedByPeer()).isTrue();
			assertThat(Duration.ofNanos(System.nanoTime() - answeredAt))
				.as("FIN after the close answer, not after close-timeout (5 s)")
				.isLessThan(Duration.ofMillis(100));
		}
	}

	@Test
	void aClientStalledInAFramesPayloadGets1008AtTheFrameTimeout() throws Exception {
		try (RawWebSocket client = RawWebSocket.connect(this.port, "/strict/ws")) {
			byte[] frame = RawWebSocket.clientFrame(true, 0x2, new byte[100]);
			long start = System.nanoTime();
			client.send(Arrays.copyOf(frame, 40));
			Frame close = client.nextClose();
			assertThat(close.closeCode()).isEqualTo(1008);
			assertThat(close.closeReason()).isEqualTo("frame timeout");
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(450),
					Duration.ofSeconds(3));
			assertThat(client.awaitClosedByPeer()).isTrue();
		}
	}

	@Test
	void aFragmentedMessageLeftUnfinishedGets1008AndTheBackend1001() throws Exception {
		try (RawWebSocket client = RawWebSocket.connect(this.port, "/strict/ws")) {
			client.send(RawWebSocket.clientFrame(false, 0x1, ascii("the first half of a")));
			Frame close = client.nextClose();
			assertThat(close.closeCode()).isEqualTo(1008);
			assertThat(client.awaitClosedByPeer()).isTrue();
		}
		backend.awaitClose(1001, null, Duration.ofSeconds(5));
	}

	@Test
	void aSlowFrameThatCompletesWithinTheFrameTimeoutIsRelayed() throws Exception {
		try (RawWebSocket client = RawWebSocket.connect(this.port, "/strict/ws")) {
			byte[] frame = RawWebSocket.clientFrame(true, 0x1, ascii("slow but in time"));
			client.send(Arrays.copyOf(frame, 8));
			TimeUnit.MILLISECONDS.sleep(250); // the sender's pace: half the frame timeout
			client.send(Arrays.copyOfRange(frame, 8, frame.length));
			Frame echo = client.next();
			assertThat(new String(echo.payload(), StandardCharsets.UTF_8)).isEqualTo("slow but in time");
		}
	}

	private static byte[] ascii(String text) {
		return text.getBytes(StandardCharsets.US_ASCII);
	}

}
