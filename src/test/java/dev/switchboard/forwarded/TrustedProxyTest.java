package dev.switchboard.forwarded;

import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.switchboard.support.RawHttp;
import dev.switchboard.support.Routes;
import dev.switchboard.support.TestBackend;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Behind a trusted proxy, its forwarded headers are kept and extended; RFC 7239 style on
 * request.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "switchboard.forwarded.trusted-proxies=127.0.0.0/8", "switchboard.forwarded.mode=both" })
class TrustedProxyTest {

	static final TestBackend backend = new TestBackend();

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		new Routes(registry).add("all", "http://127.0.0.1:" + backend.port(), "Path=/**");
	}

	@AfterAll
	static void stopBackend() {
		backend.close();
	}

	@Test
	void aTrustedProxysChainIsExtended() throws Exception {
		try (RawHttp raw = new RawHttp(this.port)) {
			raw.send("GET /http/trusted HTTP/1.1\r\nHost: inner\r\nX-Forwarded-For: 203.0.113.9\r\n"
					+ "X-Forwarded-Proto: https\r\nX-Forwarded-Host: public.example\r\nX-Forwarded-Port: 443\r\n"
					+ "Forwarded: for=203.0.113.9;proto=https\r\n\r\n");
			assertThat(raw.readHead()).startsWith("HTTP/1.1 200 ");
		}
		HttpHeaders seen = backend.awaitRequest("/http/trusted").headers();
		assertThat(seen.get("X-Forwarded-For")).isEqualTo("203.0.113.9, 127.0.0.1");
		assertThat(seen.get("X-Forwarded-Proto")).isEqualTo("https");
		assertThat(seen.get("X-Forwarded-Host")).isEqualTo("public.example");
		assertThat(seen.get("X-Forwarded-Port")).isEqualTo("443");
		assertThat(seen.get("Forwarded"))
			.isEqualTo("for=203.0.113.9;proto=https, for=127.0.0.1;proto=http;host=\"inner\"");
	}

}
