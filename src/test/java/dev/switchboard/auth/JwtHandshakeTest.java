package dev.switchboard.auth;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.switchboard.support.Ports;
import dev.switchboard.support.PrometheusScrape;
import dev.switchboard.support.RawHttp;
import dev.switchboard.support.Routes;
import dev.switchboard.support.TestBackend;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * JWT at the handshake, through real handshakes against a real identity provider (its
 * OpenID configuration and key set on a socket) with tokens signed in the test: no token
 * or a bad one gets 401 and never reaches the backend, a good one opens the tunnel with
 * the client's identity in headers the client cannot forge, and the tunnel ends when the
 * token does.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ExtendWith(OutputCaptureExtension.class)
class JwtHandshakeTest {

	static final TestBackend backend = new TestBackend();

	static final TestIssuer issuer = new TestIssuer();

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) throws IOException {
		String uri = "ws://127.0.0.1:" + backend.port();
		Routes routes = new Routes(registry);
		routes.add("secure", uri, "Path=/secure/**")
			.filter("StripPrefix=1")
			.metadata("switchboard.auth", "jwt")
			.metadata("switchboard.jwt-issuer-uri", issuer.uri())
			.metadata("switchboard.jwt-audiences", "chat")
			.metadata("switchboard.token-cookie", "sb_token")
			.metadata("switchboard.token-query-parameter", "access_token")
			.metadata("switchboard.claim-headers.email", "X-Auth-Email")
			.metadata("switchboard.claim-headers.roles", "X-Auth-Roles");
		routes.add("one-per-user", uri, "Path=/single/**")
			.filter("StripPrefix=1")
			.metadata("switchboard.auth", "jwt")
			.metadata("switchboard.jwt-issuer-uri", issuer.uri())
			.metadata("switchboard.max-tunnels-per-subject", "1");
		routes.add("provider-down", uri, "Path=/down/**")
			.filter("StripPrefix=1")
			.metadata("switchboard.auth", "jwt")
			.metadata("switchboard.jwt-jwk-set-uri", "http://127.0.0.1:" + Ports.free() + "/jwks");
		routes.add("open", uri, "Path=/open/**").filter("StripPrefix=1");
	}

	@BeforeEach
	void forgetEarlierRequests() {
		backend.requests.clear();
		backend.closes.clear();
	}

	@AfterAll
	static void stop() {
		backend.close();
		issuer.close();
	}

	@Test
	void noTokenGets401WithWwwAuthenticateAndNeverReachesTheBackend(CapturedOutput output) throws Exception {
		PrometheusScrape before = PrometheusScrape.of(this.managementPort);
		String head = handshake("/secure/ws?first");
		assertThat(head).startsWith("HTTP/1.1 401").contains("WWW-Authenticate: Bearer realm=\"secure\"");
		assertThat(handshake("/secure/ws?second", "Authorization: Basic YWxpY2U6c2VjcmV0")).startsWith("HTTP/1.1 401");
		assertThat(handshake("/open/ws?marker")).startsWith("HTTP/1.1 101");
		assertThat(backend.awaitRequest("/ws").uri()).as("no refused handshake reached the backend")
			.isEqualTo("/ws?marker");
		PrometheusScrape after = PrometheusScrape.of(this.managementPort);
		String[] labels = { "route=secure", "outcome=refused_by_policy", "status=401", "reason=auth" };
		assertThat(
				after.value("switchboard_upgrades_total", labels) - before.value("switchboard_upgrades_total", labels))
			.isEqualTo(2);
		assertThat(output.getOut()).contains("on route secure: no token").contains("refused_by=auth");
	}

	@Test
	void aBadTokenGets401InvalidToken() throws Exception {
		Instant later = Instant.now().plusSeconds(600);
		Map<String, String> bad = Map.of("forged", issuer.forgedToken("mallory", later), "expired",
				issuer.token("alice", Instant.now().minusSeconds(10)), "other audience",
				issuer.tokenFor("billing", "alice", later), "not a JWT", "abc.def.ghi");
		bad.forEach((what, token) -> {
			String head = bearerHandshake("/secure/ws?" + what.replace(' ', '-'), token);
			assertThat(head).as(what)
				.startsWith("HTTP/1.1 401")
				.contains("WWW-Authenticate: Bearer realm=\"secure\", error=\"invalid_token\"");
		});
		assertThat(handshake("/open/ws?marker")).startsWith("HTTP/1.1 101");
		assertThat(backend.awaitRequest("/ws").uri()).isEqualTo("/ws?marker");
	}

	@Test
	void aValidTokenOpensTheTunnelWithIdentityHeadersTheClientCannotForge() throws Exception {
		String token = issuer.token("alice", Instant.now().plusSeconds(600),
				Map.of("email", "alice@example.com", "roles", List.of("reader", "writer")));
		try (WsClient client = WsClient.connect(ws("/secure/ws?room=1"), (headers) -> {
			headers.set("Authorization", "Bearer " + token);
			headers.set("X-Auth-Subject", "admin");
			headers.set("X-Auth-Email", "admin@example.com");
		})) {
			client.sendText("hello");
			assertThat(client.nextText()).isEqualTo("hello");
		}
		TestBackend.Request seen = backend.awaitRequest("/ws");
		assertThat(seen.headers().getAll("X-Auth-Subject")).containsExactly("alice");
		assertThat(seen.headers().getAll("X-Auth-Email")).containsExactly("alice@example.com");
		assertThat(seen.headers().get("X-Auth-Roles")).isEqualTo("reader,writer");
	}

	@Test
	void aClientsCopyOfAClaimHeaderIsRemovedWhenTheTokenLacksTheClaim() throws Exception {
		String token = issuer.token("bob", Instant.now().plusSeconds(600));
		try (WsClient client = WsClient.connect(ws("/secure/ws"), (headers) -> {
			headers.set("Authorization", "Bearer " + token);
			headers.set("X-Auth-Email", "admin@example.com");
		})) {
			client.sendText("hi");
			assertThat(client.nextText()).isEqualTo("hi");
		}
		TestBackend.Request seen = backend.awaitRequest("/ws");
		assertThat(seen.headers().get("X-Auth-Subject")).isEqualTo("bob");
		assertThat(seen.headers().contains("X-Auth-Email")).isFalse();
	}

	@Test
	void aTokenInTheQueryIsTakenOutBeforeTheBackendAndTheLog(CapturedOutput output) throws Exception {
		String token = issuer.token("carol", Instant.now().plusSeconds(600));
		assertThat(handshake("/secure/ws?room=7&access_token=" + token + "&lang=en")).startsWith("HTTP/1.1 101");
		assertThat(backend.awaitRequest("/ws").uri()).isEqualTo("/ws?room=7&lang=en");
		assertThat(output.getOut()).doesNotContain(token);
	}

	@Test
	void aTokenInTheRoutesCookieIsAccepted() throws Exception {
		String token = issuer.token("dave", Instant.now().plusSeconds(600));
		assertThat(handshake("/secure/ws", "Cookie: theme=dark; sb_token=" + token)).startsWith("HTTP/1.1 101");
		assertThat(backend.awaitRequest("/ws").headers().get("X-Auth-Subject")).isEqualTo("dave");
	}

	@Test
	void theTunnelEndsWith1008WhenItsTokenExpiresWhileOthersCarryOn() throws Exception {
		PrometheusScrape before = PrometheusScrape.of(this.managementPort);
		Instant expiry = Instant.now().plusSeconds(3).truncatedTo(ChronoUnit.SECONDS);
		String shortLived = issuer.token("erin", expiry);
		String longLived = issuer.token("frank", Instant.now().plusSeconds(600));
		try (WsClient expiring = WsClient.connect(ws("/secure/ws?expiring"),
				(headers) -> headers.set("Authorization", "Bearer " + shortLived));
				WsClient lasting = WsClient.connect(ws("/secure/ws?lasting"),
						(headers) -> headers.set("Authorization", "Bearer " + longLived))) {
			expiring.sendText("before");
			assertThat(expiring.nextText()).isEqualTo("before");
			WebSocketCloseStatus status = expiring.awaitClose();
			assertThat(Instant.now()).as("not closed before the token expired").isAfterOrEqualTo(expiry);
			assertThat(status.code()).isEqualTo(1008);
			assertThat(status.reasonText()).isEqualTo("token expired");
			backend.awaitClose(1008, null, Duration.ofSeconds(10));
			lasting.sendText("still here");
			assertThat(lasting.nextText()).isEqualTo("still here");
		}
		PrometheusScrape after = PrometheusScrape.of(this.managementPort);
		String[] labels = { "route=secure", "reason=token_expired" };
		assertThat(after.value("switchboard_tunnel_gateway_closes_total", labels)
				- before.value("switchboard_tunnel_gateway_closes_total", labels))
			.isEqualTo(1);
	}

	@Test
	void aSubjectLimitCountsTunnelsByTheTokensSubject() throws Exception {
		Instant later = Instant.now().plusSeconds(600);
		String alice = issuer.token("alice", later);
		try (WsClient first = WsClient.connect(ws("/single/ws"),
				(headers) -> headers.set("Authorization", "Bearer " + alice))) {
			assertThat(bearerHandshake("/single/ws", issuer.token("alice", later))).as("alice's second tunnel")
				.startsWith("HTTP/1.1 503")
				.contains("Retry-After: 5");
			assertThat(bearerHandshake("/single/ws", issuer.token("bob", later))).as("bob's first")
				.startsWith("HTTP/1.1 101");
			first.sendText("still open");
			assertThat(first.nextText()).isEqualTo("still open");
		}
	}

	@Test
	void plainHttpOnTheRouteNeedsTheSameToken() throws Exception {
		assertThat(RawHttp.head(this.port, "GET /secure/http/poll HTTP/1.1\r\nHost: gateway\r\n\r\n", TIMEOUT))
			.startsWith("HTTP/1.1 401")
			.contains("WWW-Authenticate: Bearer realm=\"secure\"");
		String token = issuer.token("grace", Instant.now().plusSeconds(600), Map.of("email", "grace@example.com"));
		try (RawHttp raw = new RawHttp(this.port)) {
			raw.socket().setSoTimeout(10_000);
			String answer = new String(raw
				.send("GET /secure/http/poll?access_token=" + token + "&sid=1 HTTP/1.1\r\nHost: gateway\r\n"
						+ "X-Auth-Subject: admin\r\nConnection: close\r\n\r\n")
				.readUpTo(64 * 1024));
			assertThat(answer).startsWith("HTTP/1.1 200")
				.contains("X-Auth-Subject: grace")
				.contains("X-Auth-Email: grace@example.com")
				.doesNotContain("X-Auth-Subject: admin");
		}
		assertThat(backend.awaitRequest("/http/poll").uri()).isEqualTo("/http/poll?sid=1");
		String preflight = RawHttp.head(this.port, "OPTIONS /secure/http/poll HTTP/1.1\r\nHost: gateway\r\n"
				+ "Origin: https://chat.example.com\r\nAccess-Control-Request-Method: GET\r\n\r\n", TIMEOUT);
		assertThat(preflight).as("a CORS preflight carries no credentials").doesNotStartWith("HTTP/1.1 401");
	}

	@Test
	void anIdentityProviderThatCannotBeReachedGets503WithRetryAfter() throws Exception {
		String token = issuer.token("alice", Instant.now().plusSeconds(600));
		String head = bearerHandshake("/down/ws", token);
		assertThat(head).startsWith("HTTP/1.1 503").contains("Retry-After: 5");
	}

	private String ws(String path) {
		return "ws://127.0.0.1:" + this.port + path;
	}

	private String bearerHandshake(String path, String token) {
		try {
			return handshake(path, "Authorization: Bearer " + token);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** A valid WebSocket handshake over a raw socket; returns the response head. */
	private String handshake(String path, String... extraHeaders) throws IOException {
		return RawHttp.head(this.port, RawHttp.webSocketHandshake(path, extraHeaders), TIMEOUT);
	}

}
