package dev.switchboard.upgrade;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.switchboard.support.Routes;
import dev.switchboard.support.TestBackend;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

/** TLS at the edge (wss:// clients) and towards backends (wss:// routes). */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "spring.ssl.bundle.pem.edge.keystore.certificate=classpath:tls/cert.pem",
				"spring.ssl.bundle.pem.edge.keystore.private-key=classpath:tls/key.pem", "server.ssl.bundle=edge",
				"switchboard.backend-tls.trust-all=true" })
class TlsTest {

	static final TestBackend plainBackend = new TestBackend();

	static final TestBackend tlsBackend = new TestBackend(true);

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		Routes routes = new Routes(registry);
		routes.add("plain", "ws://127.0.0.1:" + plainBackend.port(), "Path=/plain/**").filter("StripPrefix=1");
		routes.add("secure", "wss://localhost:" + tlsBackend.port(), "Path=/secure/**").filter("StripPrefix=1");
	}

	@AfterAll
	static void stopBackends() {
		plainBackend.close();
		tlsBackend.close();
	}

	@Test
	void wssClientToPlainBackendWithProtoHttps() throws Exception {
		try (WsClient client = connect("/plain/ws?tls")) {
			client.sendText("over tls");
			assertThat(client.nextText()).isEqualTo("over tls");
		}
		HttpHeaders seen = plainBackend.awaitRequest("/ws?tls").headers();
		assertThat(seen.get("X-Forwarded-Proto")).isEqualTo("https");
	}

	@Test
	void wssClientToWssBackend() throws Exception {
		try (WsClient client = connect("/secure/ws?both")) {
			client.sendText("tls both ways");
			assertThat(client.nextText()).isEqualTo("tls both ways");
		}
		assertThat(tlsBackend.awaitRequest("/ws?both").headers().get("Upgrade")).isEqualTo("websocket");
	}

	private WsClient connect(String path) {
		HttpClient client = WsClient.client()
			.secure((spec) -> spec.sslContext(Http11SslContextSpec.forClient()
				.configure((builder) -> builder.trustManager(InsecureTrustManagerFactory.INSTANCE))));
		return WsClient.connect(client, "wss://localhost:" + this.port + path, WebsocketClientSpec.builder().build());
	}

}
