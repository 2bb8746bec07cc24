package dev.switchboard.upgrade;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.server.ServerWebExchange;

import dev.switchboard.support.RawHttp;
import dev.switchboard.support.Routes;
import dev.switchboard.support.TestBackend;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Switchboard is a Spring Cloud Gateway application: route predicates, route filters and
 * a user's own {@code GlobalFilter} apply to WebSocket handshakes exactly as to plain
 * HTTP. Each case is a real handshake through the gateway to real backends.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ExtendWith(OutputCaptureExtension.class)
@Import(GatewayFeaturesOnHandshakesTest.UserFilters.class)
class GatewayFeaturesOnHandshakesTest {

	static final TestBackend blue = new TestBackend("blue");

	static final TestBackend green = new TestBackend("green");

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		String toBlue = "ws://127.0.0.1:" + blue.port();
		String toGreen = "ws://127.0.0.1:" + green.port();
		Routes routes = new Routes(registry);
		routes.add("legacy", toBlue, "Path=/legacy/**")
			.filter("RewritePath=/legacy/(?<rest>.*), /ws/${rest}")
			.filter("AddRequestHeader=X-Gateway, switchboard");
		// Declared first, so it is tried first: only handshakes carrying the header.
		routes.add("tenant-green", toGreen, "Path=/tenant/**")
			.predicate("Header=X-Tenant, green")
			.filter("StripPrefix=1");
		routes.add("tenant-default", toBlue, "Path=/tenant/**").filter("StripPrefix=1");
		routes.add("split-blue", toBlue, "Path=/split/**").predicate("Weight=split, 50").filter("StripPrefix=1");
		routes.add("split-green", toGreen, "Path=/split/**").predicate("Weight=split, 50").filter("StripPrefix=1");
	}

	@BeforeEach
	void forgetEarlierRequests() {
		blue.requests.clear();
		green.requests.clear();
	}

	@AfterAll
	static void stopBackends() {
		blue.close();
		green.close();
	}

	@Test
	void rewritePathAndAddRequestHeaderApplyToTheHandshake() throws Exception {
		try (WsClient client = WsClient.connect("ws://127.0.0.1:" + this.port + "/legacy/whoami")) {
			assertThat(client.nextText()).isEqualTo("blue");
		}
		TestBackend.Request request = blue.awaitRequest("/ws/whoami");
		assertThat(request.headers().get("X-Gateway")).isEqualTo("switchboard");
	}

	@Test
	void aHeaderPredicateChoosesTheRoute() throws Exception {
		try (WsClient client = WsClient.connect("ws://127.0.0.1:" + this.port + "/tenant/ws/whoami",
				(headers) -> headers.set("X-Tenant", "green"))) {
			assertThat(client.nextText()).isEqualTo("green");
		}
		try (WsClient client = WsClient.connect("ws://127.0.0.1:" + this.port + "/tenant/ws/whoami")) {
			assertThat(client.nextText()).as("without the header, the next route").isEqualTo("blue");
		}
	}

	@Test
	void aWeightSplitSpreadsHandshakesOverItsRoutes() throws Exception {
		Set<String> seen = new HashSet<>();
		// 50/50: both sides within 40 handshakes unless the split is broken (2 in 10^12).
		for (int i = 0; i < 40 && seen.size() < 2; i++) {
			try (WsClient client = WsClient.connect("ws://127.0.0.1:" + this.port + "/split/ws/whoami")) {
				seen.add(client.nextText());
			}
		}
		assertThat(seen).containsExactlyInAnyOrder("blue", "green");
	}

	@Test
	void aUsersGlobalFilterSeesTheHandshakeAndCanRefuseIt() throws Exception {
		try (RawHttp raw = new RawHttp(this.port)) {
			String head = raw
				.send(RawHttp.handshake("/tenant/ws/blocked", "Upgrade: websocket", "Connection: Upgrade",
						"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13", "X-Blocked: yes"))
				.readHead();
			assertThat(head).startsWith("HTTP/1.1 403");
		}
		try (WsClient client = WsClient.connect("ws://127.0.0.1:" + this.port + "/tenant/ws/whoami")) {
			assertThat(client.nextText()).as("the same route without the header").isEqualTo("blue");
		}
		String uri = blue.awaitRequest("/").uri();
		while (!uri.equals("/ws/whoami")) {
			assertThat(uri).as("the refused handshake never reached the backend").isNotEqualTo("/ws/blocked");
			uri = blue.awaitRequest("/").uri();
		}
	}

	@Test
	void aGlobalFilterThatWouldNeverSeeAHandshakeIsNamedAtStartup(CapturedOutput output) {
		assertThat(output.getOut()).contains("GlobalFilter " + UserFilters.class.getName() + "$$Lambda")
			.contains("will never see a WebSocket handshake")
			.doesNotContain("GlobalFilter " + RefuseBlocked.class.getName());
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class UserFilters {

		@Bean
		RefuseBlocked refuseBlocked() {
			return new RefuseBlocked();
		}

		/**
		 * Without an order: Spring Cloud Gateway runs it last, after the tunnel filter
		 * has taken every handshake.
		 */
		@Bean
		GlobalFilter unordered() {
			return (exchange, chain) -> chain.filter(exchange);
		}

	}

	/**
	 * An authorisation check as a user writes one, ordered as Spring Cloud Gateway's
	 * documentation orders its examples.
	 */
	static class RefuseBlocked implements GlobalFilter, Ordered {

		@Override
		public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
			if ("yes".equals(exchange.getRequest().getHeaders().getFirst("X-Blocked"))) {
				exchange.getResponse().setStatusCode(HttpStatus.FORBIDDEN);
				return exchange.getResponse().setComplete();
			}
			return chain.filter(exchange);
		}

		@Override
		public int getOrder() {
			return -1;
		}

	}

}
