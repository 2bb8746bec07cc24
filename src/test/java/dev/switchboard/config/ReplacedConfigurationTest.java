package dev.switchboard.config;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.WebsocketRoutingFilter;
import org.springframework.context.ConfigurableApplicationContext;

import dev.switchboard.SwitchboardApplication;
import dev.switchboard.support.PrivateLoops;
import dev.switchboard.support.TestBackend;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A gateway started with {@code --spring.config.location=file:my.yml}, which replaces the
 * packaged {@code application.yml}, keeps every setting Switchboard needs: the stock
 * WebSocket filter stays off, health is UP without Redis, actuator stays off the public
 * port, and handshakes go through the tunnel.
 */
class ReplacedConfigurationTest {

	static final TestBackend backend = new TestBackend();

	@TempDir
	static Path directory;

	@AfterAll
	static void stopBackend() {
		backend.close();
	}

	@Test
	void theEssentialSettingsSurviveAReplacedApplicationYml() throws Exception {
		Path config = directory.resolve("my.yml");
		Files.writeString(config, """
				server:
				  port: 0
				management:
				  server:
				    port: 0
				spring:
				  cloud:
				    gateway:
				      server:
				        webflux:
				          routes:
				            - id: echo
				              uri: http://127.0.0.1:%d
				              predicates: [ Path=/ws/** ]
				""".formatted(backend.port()));
		try (ConfigurableApplicationContext gateway = new SpringApplicationBuilder(SwitchboardApplication.class,
				PrivateLoops.class)
			.run("--spring.config.location=file:" + config, "--switchboard.shutdown.accept-delay=0")) {
			assertThat(gateway.getBeansOfType(GlobalFilter.class).values())
				.noneMatch(WebsocketRoutingFilter.class::isInstance);
			int port = ((WebServerApplicationContext) gateway).getWebServer().getPort();
			int management = gateway.getEnvironment().getRequiredProperty("local.management.port", Integer.class);
			assertThat(management).isNotEqualTo(port);
			assertThat(get("http://127.0.0.1:" + management + "/actuator/health")).startsWith("200 ")
				.contains("\"UP\"");
			assertThat(get("http://127.0.0.1:" + port + "/actuator/health")).startsWith("404 ");
			try (WsClient client = WsClient.connect("ws://127.0.0.1:" + port + "/ws")) {
				client.sendText("through the tunnel");
				assertThat(client.nextText()).isEqualTo("through the tunnel");
			}
		}
	}

	private static String get(String url) {
		return WsClient.client()
			.get()
			.uri(url)
			.responseSingle((response,
					body) -> body.asString().defaultIfEmpty("").map((text) -> response.status().code() + " " + text))
			.block(WsClient.TIMEOUT);
	}

}
