package dev.switchboard.shutdown;

import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A gateway that shuts down leaves in order: readiness off at once, still serving for the
 * accept delay, then no new connection, then every tunnel closed with a close frame
 * ({@code 1012} to clients, {@code 1001} to backends) spread over the close window.
 */
class ShutdownTest {

	static final TestBackend backend = new TestBackend();

	static final HttpClient http = HttpClient.newHttpClient();

	@AfterAll
	static void stopBackend() {
		backend.close();
	}

	@Test
	void readinessTurnsFalseAtOnceThenAcceptingStopsThenTunnelsCloseWith1012SpreadOverTheWindow() throws Exception {
		ConfigurableApplicationContext gateway = start("--switchboard.shutdown.accept-delay=2s",
				"--switchboard.shutdown.close-spread=2s");
		int port = port(gateway);
		String readiness = "http://127.0.0.1:" + gateway.getEnvironment().getProperty("local.management.port")
				+ "/actuator/health/readiness";
		assertThat(status(readiness)).isEqualTo(200);
		backend.closes.clear();
		List<WsClient> clients = new ArrayList<>();
		Map<WsClient, Long> closedAt = new ConcurrentHashMap<>();
		try {
			for (int i = 0; i < 10; i++) {
				clients.add(echoing(port, closedAt));
			}
			CompletableFuture<Void> shutdown = CompletableFuture.runAsync(gateway::close);

			await().atMost(Duration.ofSeconds(1)).until(() -> status(readiness) == 503);
			// Kubernetes and load balancers may still send connections during the delay:
			// served.
			clients.add(echoing(port, closedAt));
			assertThat(closedAt).as("no tunnel closed during the accept delay").isEmpty();

			await().atMost(Duration.ofSeconds(5)).until(() -> refusesConnections(port));
			assertThat(clients).as("accepting stopped before the closes are done").anyMatch(WsClient::isOpen);

			for (WsClient client : clients) {
				WebSocketCloseStatus status = client.awaitClose();
				assertThat(status.code()).isEqualTo(1012);
				assertThat(status.reasonText()).isEqualTo("service restart");
			}
			long first = closedAt.values().stream().mapToLong(Long::longValue).min().orElseThrow();
			long last = closedAt.values().stream().mapToLong(Long::longValue).max().orElseThrow();
			assertThat(Duration.ofNanos(last - first)).as("closes spread over the 2 s window")
				.isBetween(Duration.ofMillis(1500), Duration.ofMillis(3000));
			for (int i = 0; i < clients.size(); i++) {
				WebSocketCloseStatus atBackend = backend.closes.poll(10, TimeUnit.SECONDS);
				assertThat(atBackend).isNotNull();
				assertThat(atBackend.code()).isEqualTo(1001);
			}
			shutdown.get(10, TimeUnit.SECONDS);
		}
		finally {
			clients.forEach(WsClient::close);
			gateway.close();
		}
	}

	@Test
	void closeCode1001IsTheAlternative() throws Exception {
		ConfigurableApplicationContext gateway = start("--switchboard.shutdown.close-code=1001");
		try (WsClient client = echoing(port(gateway), new ConcurrentHashMap<>())) {
			gateway.close();
			WebSocketCloseStatus status = client.awaitClose();
			assertThat(status.code()).isEqualTo(1001);
			assertThat(status.reasonText()).isEqualTo("gateway shutting down");
		}
	}

	@Test
	void aCloseCodeOtherThan1012Or1001StopsStartupNamingTheProperty() {
		assertThatThrownBy(() -> start("--switchboard.shutdown.close-code=1000")).rootCause()
			.hasMessageContaining("switchboard.shutdown.close-code must be 1012 (service restart) or 1001");
	}

	static ConfigurableApplicationContext start(String... settings) {
		List<String> args = new ArrayList<>(
				List.of("--server.port=0", "--spring.cloud.gateway.server.webflux.routes[0].id=echo",
						"--spring.cloud.gateway.server.webflux.routes[0].uri=ws://127.0.0.1:" + backend.port(),
						"--spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/**"));
		args.addAll(List.of(settings));
		return new SpringApplicationBuilder(SwitchboardApplication.class, PrivateLoops.class)
			.run(args.toArray(String[]::new));
	}

	static int port(ConfigurableApplicationContext gateway) {
		return ((WebServerApplicationContext) gateway).getWebServer().getPort();
	}

	/**
	 * A tunnel that echoes, whose close time is recorded when its close frame arrives.
	 */
	static WsClient echoing(int port, Map<WsClient, Long> closedAt) throws InterruptedException {
		WsClient client = WsClient.connect("ws://127.0.0.1:" + port + "/ws");
		client.sendText("hello");
		assertThat(client.nextText()).isEqualTo("hello");
		client.closeStatus.thenRun(() -> closedAt.put(client, System.nanoTime()));
		return client;
	}

	static int status(String url) throws Exception {
		return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
			.statusCode();
	}

	static boolean refusesConnections(int port) {
		try (Socket socket = new Socket("127.0.0.1", port)) {
			return false;
		}
		catch (ConnectException ex) {
			return true;
		}
		catch (Exception ex) {
			return false;
		}
	}

}
