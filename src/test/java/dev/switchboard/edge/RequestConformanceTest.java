package dev.switchboard.edge;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalManagementPort;

import dev.switchboard.support.GatewayTest;
import dev.switchboard.support.PrometheusScrape;
import dev.switchboard.support.RawHttp;
import dev.switchboard.support.TestBackendRequests;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests HTTP/1.1 calls malformed are answered at the edge with a 4xx and a one-line
 * reason, never a 5xx, never forwarded; each is counted by reason, and everybody else is
 * still served.
 */
@ExtendWith(OutputCaptureExtension.class)
class RequestConformanceTest extends GatewayTest {

	static final String UPGRADE = "Upgrade: websocket\r\nConnection: Upgrade\r\n"
			+ "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

	@LocalManagementPort
	int managementPort;

	@AfterEach
	void othersAreStillServed() throws Exception {
		try (WsClient client = WsClient.connect(ws("/ws"))) {
			client.sendText("still here");
			assertThat(client.nextText()).isEqualTo("still here");
		}
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', value = {
			"plain GET without Host      | GET /http/nohost HTTP/1.1\\r\\n\\r\\n                                     | missing_host   | /http/nohost",
			"upgrade without Host        | GET /ws?nohost HTTP/1.1\\r\\nUPGRADE\\r\\n                              | missing_host   | /ws?nohost",
			"plain GET with two Hosts    | GET /http/twohosts HTTP/1.1\\r\\nHost: a\\r\\nHost: b\\r\\n\\r\\n           | duplicate_host | /http/twohosts",
			"upgrade with two Hosts      | GET /ws?twohosts HTTP/1.1\\r\\nHost: a\\r\\nHost: b\\r\\nUPGRADE\\r\\n    | duplicate_host | /ws?twohosts",
			"a Host that is a list       | GET /http/hostlist HTTP/1.1\\r\\nHost: a, b\\r\\n\\r\\n                    | invalid_host   | /http/hostlist",
			"a port out of range         | GET /http/bigport HTTP/1.1\\r\\nHost: a:99999\\r\\n\\r\\n                 | invalid_host   | /http/bigport",
			"upgrade, port out of range  | GET /ws?bigport HTTP/1.1\\r\\nHost: a:99999\\r\\nUPGRADE\\r\\n          | invalid_host   | /ws?bigport",
			"a negative port             | GET /http/negport HTTP/1.1\\r\\nHost: a:-1\\r\\n\\r\\n                    | invalid_host   | /http/negport",
			"upgrade over HTTP/1.0       | GET /ws?http10 HTTP/1.0\\r\\nHost: a\\r\\nUPGRADE\\r\\n                 | http10_upgrade | /ws?http10" })
	void isRefusedWith400AtTheEdgeAndCounted(String name, String request, String reason, String uri,
			CapturedOutput output) throws Exception {
		double before = refused(reason);
		try (RawHttp raw = new RawHttp(this.port)) {
			raw.send(request.replace("\\r\\n", "\r\n").replace("UPGRADE\r\n", UPGRADE + "\r\n"));
			String head = raw.readHead();
			assertThat(head).startsWith("HTTP/1.1 400 ").containsIgnoringCase("connection: close");
			int length = Integer.parseInt(head.replaceAll("(?is).*content-length: *(\\d+).*", "$1"));
			String body = new String(raw.readUpTo(length), StandardCharsets.UTF_8);
			assertThat(body).endsWith("\n").hasLineCount(1);
			assertThat(raw.awaitClosedByPeer()).as("the connection is closed after the answer").isTrue();
		}
		assertThat(refused(reason)).isEqualTo(before + 1);
		assertNotForwarded(uri);
		assertThat(output.getOut()).doesNotContain("NullPointerException").doesNotContain(" ERROR ");
	}

	@Test
	void aPlainHttp10RequestWithoutHostIsServed() throws Exception {
		try (RawHttp raw = new RawHttp(this.port)) {
			raw.send("GET /http/http10 HTTP/1.0\r\n\r\n");
			assertThat(raw.readHead()).matches("(?s)HTTP/1\\.[01] 200 .*");
		}
	}

	@Test
	void malformedRequestsAreCountedWithoutAWarningEach(CapturedOutput output) throws Exception {
		double before = refused("malformed_request");
		for (int i = 0; i < 20; i++) {
			try (RawHttp raw = new RawHttp(this.port)) {
				raw.send("GET /http/bad HTTP/1.1\r\nHost: a\r\nBad Header Without Colon\r\n\r\n");
				assertThat(raw.readHead()).startsWith("HTTP/1.1 400 ");
			}
		}
		assertThat(refused("malformed_request")).isEqualTo(before + 20);
		assertThat(output.getOut()).as("Reactor Netty's WARN per malformed request").doesNotContain("Decoding failed");
		assertThat(output.getOut().lines().filter((line) -> line.contains("Refused request from")).count())
			.as("refusals logged at most 10 a second")
			.isBetween(1L, 20L);
	}

	private double refused(String reason) {
		return PrometheusScrape.of(this.managementPort).value("switchboard_requests_refused_total", "reason=" + reason);
	}

	/**
	 * A marker request sent after the refused one reaches the backend first: the refused
	 * one never did.
	 */
	private void assertNotForwarded(String uri) throws Exception {
		String marker = "/ws?marker-after-" + uri.hashCode();
		try (WsClient client = WsClient.connect(ws(marker))) {
			TestBackendRequests.assertNextIsMarker(backend, uri, marker);
		}
	}

}
