package dev.switchboard.reload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.cloud.gateway.handler.FilteringWebHandler;
import org.springframework.context.ConfigurableApplicationContext;

import dev.switchboard.SwitchboardApplication;
import dev.switchboard.metrics.SwitchboardMeters;
import dev.switchboard.support.PrivateLoops;
import dev.switchboard.support.TestBackend;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Editing the configuration file a gateway was started with changes its routes and
 * settings without a restart, touches no open tunnel, and a configuration that would not
 * start is refused whole.
 */
@ExtendWith(OutputCaptureExtension.class)
class ConfigReloadTest {

	static final TestBackend backend = new TestBackend("b");

	static final Duration LIMIT = Duration.ofSeconds(15);

	@TempDir
	Path directory;

	ConfigurableApplicationContext gateway;

	int port;

	/** The ConfigMap version the ..data symlink points to. */
	int version = 1;

	@AfterAll
	static void stopBackend() {
		backend.close();
	}

	@AfterEach
	void stopGateway() {
		if (this.gateway != null) {
			this.gateway.close();
		}
	}

	/**
	 * A Kubernetes-style mount: application.yml -> ..data/application.yml, ..data -> a
	 * timestamped directory.
	 */
	@BeforeEach
	void mountConfigMap() throws IOException {
		Files.createDirectories(this.directory.resolve("..2026_01"));
		Files.createSymbolicLink(this.directory.resolve("..data"), Path.of("..2026_01"));
		Files.createSymbolicLink(this.directory.resolve("application.yml"), Path.of("..data/application.yml"));
	}

	@Test
	void aRouteAddedToTheFileIsServedWhileOpenTunnelsGoOnUntouched() throws Exception {
		start(routes(route("a", "/a/**", "")));
		try (WsClient open = WsClient.connect(ws("/a/ws"))) {
			open.sendText("before");
			assertThat(open.nextText()).isEqualTo("before");
			double closes = meter(SwitchboardMeters.TUNNEL_CLOSES, "route", "a");
			swap(routes(route("a", "/a/**", "idle-timeout: 2h"), route("b", "/b/**", "")));
			await("the new route is served").atMost(LIMIT).until(() -> handshake("/b/ws"));
			open.sendText("after");
			assertThat(open.nextText()).as("the open tunnel went on").isEqualTo("after");
			assertThat(meter(SwitchboardMeters.TUNNEL_CLOSES, "route", "a"))
				.as("no tunnel of route a closed by the edit")
				.isEqualTo(closes);
			assertThat(meter(SwitchboardMeters.CONFIG_RELOADS, "result", "success")).isEqualTo(1);
			assertThat(meter(SwitchboardMeters.CONFIG_RELOAD_FAILING)).isZero();
		}
	}

	/**
	 * The gateway sorts a route's filters once and keeps them (RouteFilterChains): an
	 * edit of a route's filters must still apply from the next handshake on.
	 */
	@Test
	void aRouteWhoseFiltersAreEditedRunsItsNewFiltersFromTheNextHandshake() throws Exception {
		start(routes(route("a", "/a/**", "")));
		assertThat(this.gateway.getBean(FilteringWebHandler.class).getClass().getSimpleName())
			.isEqualTo("RouteFilterChains");
		assertThat(handshake("/a/ws?step=before")).isTrue();
		assertThat(backend.awaitRequest("/ws?step=before").headers().get("X-Edit")).isNull();
		swap(routes(route("a", "/a/**", "").replace("[ StripPrefix=1 ]",
				"[ StripPrefix=1, \"AddRequestHeader=X-Edit, 2\" ]")));
		await("the edited filters apply").atMost(LIMIT).until(() -> {
			assertThat(handshake("/a/ws?step=edited")).isTrue();
			return "2".equals(backend.awaitRequest("/ws?step=edited").headers().get("X-Edit"));
		});
	}

	@Test
	void aConfigurationThatWouldNotStartIsRefusedWholeAndTheRoutesInForceStay(CapturedOutput output) throws Exception {
		start(routes(route("a", "/a/**", "")));
		String[] broken = { "spring: [not: yaml",
				routes(route("a", "/a/**", ""), route("c", "/c/**", "idel-timeout: 1s")),
				routes(route("a", "/a/**", ""), route("c", "/c/**", "heartbeat-interval: 2h")),
				routes(route("a", "/a/**", ""), route("c", "/c/**", "")).replace("Path=/c/**", "Pth=/c/**"),
				routes(route("a", "/a/**", ""), route("c", "/c/**", "")) + "switchboard:\n  idle-timout: 1h\n" };
		String[] reasons = { "cannot be read", "metadata.switchboard.idel-timeout is not a per-route setting",
				"metadata.switchboard.heartbeat-interval (PT2H) must be shorter than", "Pth",
				"switchboard.idle-timout is not a Switchboard property" };
		for (int i = 0; i < broken.length; i++) {
			swap(broken[i]);
			double failures = i + 1;
			await("refused: " + reasons[i]).atMost(LIMIT)
				.until(() -> meter(SwitchboardMeters.CONFIG_RELOADS, "result", "failure") == failures);
			assertThat(output.getOut()).contains("Rejected the new configuration in").contains(reasons[i]);
			assertThat(meter(SwitchboardMeters.CONFIG_RELOAD_FAILING)).isEqualTo(1);
			assertThat(handshake("/a/ws")).as("the routes in force stay").isTrue();
			assertThat(handshake("/c/ws")).as("nothing of the refused configuration applies").isFalse();
		}
		swap(routes(route("a", "/a/**", ""), route("c", "/c/**", "")));
		await("a good configuration applies again").atMost(LIMIT).until(() -> handshake("/c/ws"));
		assertThat(meter(SwitchboardMeters.CONFIG_RELOAD_FAILING)).isZero();
	}

	@Test
	void theOpenTunnelsOfARemovedRouteFollowItsOnRemovalPolicy() throws Exception {
		start(routes(route("keep", "/keep/**", ""), route("close", "/close/**", "on-removal: close"),
				route("drain", "/drain/**", "on-removal: drain\n          on-removal-window: 1s"),
				route("other", "/other/**", "")));
		try (WsClient kept = WsClient.connect(ws("/keep/ws"));
				WsClient closed = WsClient.connect(ws("/close/ws"));
				WsClient drained1 = WsClient.connect(ws("/drain/ws"));
				WsClient drained2 = WsClient.connect(ws("/drain/ws"))) {
			long removedAt = System.nanoTime();
			swap(routes(route("other", "/other/**", "")));
			WebSocketCloseStatus status = closed.awaitClose();
			assertThat(status.code()).isEqualTo(1001);
			assertThat(status.reasonText()).isEqualTo("route removed");
			assertThat(drained1.awaitClose().code()).isEqualTo(1001);
			assertThat(drained2.awaitClose().code()).isEqualTo(1001);
			assertThat(Duration.ofNanos(System.nanoTime() - removedAt)).isLessThan(LIMIT);
			kept.sendText("still here");
			assertThat(kept.nextText()).as("keep: the tunnel runs on").isEqualTo("still here");
			assertThat(handshake("/keep/ws")).as("but the route takes no new handshake").isFalse();
		}
	}

	@Test
	void aChangeOnlyARestartAppliesIsNamed(CapturedOutput output) throws Exception {
		start(routes(route("a", "/a/**", "")));
		swap(routes(route("a", "/a/**", "")) + "switchboard:\n  client-header-timeout: 3s\n");
		await("the change is named").atMost(LIMIT)
			.until(() -> output.getOut().contains("not applied until a restart: [switchboard.client-header-timeout]"));
	}

	private void start(String config) throws IOException {
		Files.writeString(this.directory.resolve("..2026_01/application.yml"), config);
		this.gateway = new SpringApplicationBuilder(SwitchboardApplication.class, PrivateLoops.class).run(
				"--server.port=0", "--switchboard.reload.interval=100ms",
				"--spring.config.additional-location=file:" + this.directory + "/");
		this.port = ((WebServerApplicationContext) this.gateway).getWebServer().getPort();
	}

	/**
	 * Writes a new version as the kubelet does: a new directory, then the ..data symlink
	 * swapped atomically.
	 */
	private void swap(String config) throws IOException {
		String next = "..2026_0" + (++this.version);
		Files.createDirectories(this.directory.resolve(next));
		Files.writeString(this.directory.resolve(next).resolve("application.yml"), config);
		Path link = this.directory.resolve("..data_tmp");
		Files.createSymbolicLink(link, Path.of(next));
		Files.move(link, this.directory.resolve("..data"), StandardCopyOption.ATOMIC_MOVE,
				StandardCopyOption.REPLACE_EXISTING);
	}

	private static String routes(String... routes) {
		return "spring:\n  cloud:\n    gateway:\n      server:\n        webflux:\n          routes:\n"
				+ String.join("", routes);
	}

	private static String route(String id, String path, String settings) {
		return "            - id: " + id + "\n              uri: http://127.0.0.1:" + backend.port() + "\n"
				+ "              predicates: [ Path=" + path + " ]\n              filters: [ StripPrefix=1 ]\n"
				+ (settings.isEmpty() ? "" : "              metadata:\n                switchboard:\n                  "
						+ settings.replace("\n          ", "\n                  ") + "\n");
	}

	private String ws(String path) {
		return "ws://127.0.0.1:" + this.port + path;
	}

	/** Whether a WebSocket handshake on {@code path} succeeds now. */
	private boolean handshake(String path) {
		try (WsClient client = WsClient.connect(ws(path))) {
			client.sendText("ping");
			return "ping".equals(client.nextText());
		}
		catch (Exception ex) {
			return false;
		}
	}

	private double meter(String name, String... tags) {
		MeterRegistry registry = this.gateway.getBean(MeterRegistry.class);
		var search = registry.find(name).tags(tags);
		if (search.counters().size() > 0) {
			return search.counters().stream().mapToDouble((counter) -> counter.count()).sum();
		}
		return (search.gauge() != null) ? search.gauge().value() : 0;
	}

}
