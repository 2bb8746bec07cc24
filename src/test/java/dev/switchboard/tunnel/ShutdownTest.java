package dev.switchboard.tunnel;

import java.util.concurrent.TimeUnit;

import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import dev.switchboard.SwitchboardApplication;
import dev.switchboard.support.PrivateLoops;
import dev.switchboard.support.TestBackend;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

/** A gateway that shuts down says goodbye with 1001 to both ends of every tunnel. */
class ShutdownTest {

	static final TestBackend backend = new TestBackend();

	@AfterAll
	static void stopBackend() {
		backend.close();
	}

	@Test
	void openTunnelsAreClosedWith1001OnShutdown() throws Exception {
		ConfigurableApplicationContext gateway = new SpringApplicationBuilder(SwitchboardApplication.class,
				PrivateLoops.class)
			.run("--server.port=0", "--spring.cloud.gateway.server.webflux.routes[0].id=echo",
					"--spring.cloud.gateway.server.webflux.routes[0].uri=ws://127.0.0.1:" + backend.port(),
					"--spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/**");
		int port = ((WebServerApplicationContext) gateway).getWebServer().getPort();
		backend.closes.clear();
		try (WsClient client = WsClient.connect("ws://127.0.0.1:" + port + "/ws")) {
			client.sendText("before shutdown");
			assertThat(client.nextText()).isEqualTo("before shutdown");
			gateway.close();
			WebSocketCloseStatus atClient = client.awaitClose();
			assertThat(atClient.code()).isEqualTo(1001);
			assertThat(atClient.reasonText()).isEqualTo("gateway shutting down");
			WebSocketCloseStatus atBackend = backend.closes.poll(10, TimeUnit.SECONDS);
			assertThat(atBackend).isNotNull();
			assertThat(atBackend.code()).isEqualTo(1001);
		}
	}

}
