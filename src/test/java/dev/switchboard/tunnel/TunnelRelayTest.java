package dev.switchboard.tunnel;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.switchboard.support.GatewayTest;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

class TunnelRelayTest extends GatewayTest {

	@Test
	void echoesTextAndBinary() throws Exception {
		try (WsClient client = WsClient.connect(ws("/ws"))) {
			client.sendText("hello");
			assertThat(client.nextText()).isEqualTo("hello");
			byte[] bytes = new byte[300];
			new Random(1).nextBytes(bytes);
			client.sendBinary(bytes);
			WsClient.Frame frame = client.next();
			assertThat(frame.type()).isEqualTo("binary");
			assertThat(frame.bytes()).isEqualTo(bytes);
		}
	}

	@Test
	void largeMessagesPassIntactBothWays() throws Exception {
		byte[] bytes = new byte[10 * 1024 * 1024];
		new Random(2).nextBytes(bytes);
		try (WsClient client = WsClient.connect(ws("/ws"))) {
			client.sendBinary(bytes);
			WsClient.Frame frame = client.next();
			assertThat(frame.bytes().length).isEqualTo(bytes.length);
			assertThat(Arrays.equals(frame.bytes(), bytes)).isTrue();
		}
	}

}
