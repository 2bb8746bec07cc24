package dev.switchboard.policy;

import java.io.IOException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.switchboard.support.PrometheusScrape;
import dev.switchboard.support.RawHttp;
import dev.switchboard.support.Routes;
import dev.switchboard.support.TestBackend;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Origin allow-lists per route, through real handshakes: pages of an allowed origin get
 * their tunnel, any other origin gets 403 with its reason before anything reaches the
 * backend, while the tunnels already open on the route carry on.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ExtendWith(OutputCaptureExtension.class)
class OriginPolicyTest {

	static final TestBackend backend = new TestBackend();

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		String uri = "ws://127.0.0.1:" + backend.port();
		Routes routes = new Routes(registry);
		routes.add("chat", uri, "Path=/chat/**")
			.filter("StripPrefix=1")
			.metadata("switchboard.allowed-origins",
					"https://chat.example.com, https://*.example.org, http://localhost:3000");
		routes.add("strict", uri, "Path=/strict/**")
			.filter("StripPrefix=1")
			// As a YAML list is flattened: one property per entry.
			.metadata("switchboard.allowed-origins[0]", "https://other.example.com")
			.metadata("switchboard.allowed-origins[1]", "https://chat.example.com")
			.metadata("switchboard.missing-origin", "refuse");
		routes.add("open", uri, "Path=/open/**").filter("StripPrefix=1");
	}

	@BeforeEach
	void forgetEarlierRequests() {
		backend.requests.clear();
	}

	@AfterAll
	static void stopBackend() {
		backend.close();
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://chat.example.com", "HTTPS://Chat.Example.COM", "https://chat.example.com:443",
			"https://eu.example.org", "https://a.b.example.org", "http://localhost:3000" })
	void pagesOfAnAllowedOriginGetTheirTunnel(String origin) throws Exception {
		try (WsClient client = connect("/chat/ws", origin)) {
			client.sendText("hello");
			assertThat(client.nextText()).isEqualTo("hello");
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://evil.example", "http://chat.example.com", "https://chat.example.com:8443",
			"https://example.org", "https://evil-example.org", "https://chat.example.com.evil.example",
			"http://localhost:3001", "null", "garbage" })
	void anyOtherOriginGets403AndNeverReachesTheBackend(String origin) throws Exception {
		String head = handshake("/chat/ws?foreign", "Origin: " + origin);
		assertThat(head).startsWith("HTTP/1.1 403");
		try (WsClient client = connect("/chat/ws?after", "https://chat.example.com")) {
			client.sendText("still here");
			assertThat(client.nextText()).isEqualTo("still here");
		}
		assertThat(backend.awaitRequest("/ws").uri()).as("the refused handshake never reached the backend")
			.isEqualTo("/ws?after");
	}

	@Test
	void aRefusalIsCountedLoggedWithItsReasonAndHarmsNoOpenTunnel(CapturedOutput output) throws Exception {
		PrometheusScrape before = PrometheusScrape.of(this.managementPort);
		try (WsClient open = connect("/chat/ws", "https://chat.example.com")) {
			for (int i = 0; i < 3; i++) {
				assertThat(handshake("/chat/ws", "Origin: https://evil.example")).startsWith("HTTP/1.1 403");
			}
			open.sendText("unharmed");
			assertThat(open.nextText()).isEqualTo("unharmed");
		}
		PrometheusScrape after = PrometheusScrape.of(this.managementPort);
		String[] labels = { "route=chat", "outcome=refused_by_policy", "status=403", "reason=origin" };
		assertThat(
				after.value("switchboard_upgrades_total", labels) - before.value("switchboard_upgrades_total", labels))
			.isEqualTo(3);
		assertThat(output.getOut()).contains("Refused WebSocket handshake from")
			.contains("on route chat: origin https://evil.example is not allowed on route chat")
			.contains("refused_by=origin");
	}

	@Test
	void withoutOriginTheRoutesChoiceApplies() throws Exception {
		// A raw handshake: Netty's WebSocket client makes up an Origin when given none.
		assertThat(handshake("/chat/ws")).as("missing-origin: allow (the default)").startsWith("HTTP/1.1 101");
		assertThat(handshake("/strict/ws")).as("missing-origin: refuse").startsWith("HTTP/1.1 403");
		assertThat(handshake("/strict/ws", "Origin: https://chat.example.com")).startsWith("HTTP/1.1 101");
	}

	@Test
	void aRouteWithoutAnAllowListTakesAnyOrigin() throws Exception {
		assertThat(handshake("/open/ws", "Origin: https://anywhere.example")).startsWith("HTTP/1.1 101");
	}

	private WsClient connect(String path, String origin) {
		return WsClient.connect("ws://127.0.0.1:" + this.port + path, (headers) -> headers.set("Origin", origin));
	}

	/** A valid WebSocket handshake over a raw socket; returns the response head. */
	private String handshake(String path, String... extraHeaders) throws IOException {
		try (RawHttp raw = new RawHttp(this.port)) {
			return raw.send(RawHttp.webSocketHandshake(path, extraHeaders)).readHead();
		}
	}

}
