package dev.switchboard.sticky;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

import dev.switchboard.support.NodeApps;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real Socket.IO (Node.js server and client, installed from npm into target/socketio)
 * through a sticky route over three Socket.IO servers. Engine.IO's long-polling needs
 * every request of a session on one server; the Node client ignores cookies, so the route
 * learns the {@code io} cookie the server sets and routes by the {@code sid} query
 * parameter. A control route without stickiness shows the client failing. Skipped, saying
 * why, where node or npm is missing ({@link NodeApps}).
 */
class SocketIoTest {

	static NodeApps node;

	static RedisServer redis;

	static StickyGateway gateway;

	@BeforeAll
	static void start() throws Exception {
		node = new NodeApps("socketio", List.of("package.json", "server.js", "client.js"), "socket.io-client");
		int[] ports = node.startServers("server.js", 3);
		redis = StickyGateway.startRedis();
		List<String> args = StickyGateway.baseArgs(redis.ports().get(0));
		args.addAll(StickyGateway.instances("sio", ports));
		String route = "--spring.cloud.gateway.server.webflux.routes";
		args.addAll(List.of(route + "[0].id=socketio", route + "[0].uri=lb://sio",
				route + "[0].predicates[0]=Path=/socket.io/**", route + "[0].metadata.switchboard.sticky.enabled=true",
				route + "[0].metadata.switchboard.sticky.learn-cookie=io",
				route + "[0].metadata.switchboard.sticky.learn-query-param=sid"));
		args.addAll(List.of(route + "[1].id=unsticky", route + "[1].uri=lb://sio",
				route + "[1].predicates[0]=Path=/unsticky/**", route + "[1].filters[0]=StripPrefix=1"));
		gateway = new StickyGateway(args);
	}

	@AfterAll
	static void stop() {
		StickyGateway.closeAll(node, gateway, (redis != null) ? redis::stop : null);
	}

	@Test
	void longPollingClientsKeepTheirServer() throws Exception {
		for (int i = 0; i < 3; i++) {
			Map<String, String> result = client("/socket.io/", "polling", 8);
			assertThat(result.get("ok")).as(result.toString()).isEqualTo("true");
			assertThat(result.get("transport")).isEqualTo("polling");
			assertThat(Arrays.stream(result.get("names").split(",")).distinct()).hasSize(1);
		}
	}

	@Test
	void clientsUpgradingToWebSocketKeepTheirServer() throws Exception {
		for (int i = 0; i < 3; i++) {
			Map<String, String> result = client("/socket.io/", "upgrade", 8);
			assertThat(result.get("ok")).as(result.toString()).isEqualTo("true");
			assertThat(result.get("transport")).isEqualTo("websocket");
			assertThat(Arrays.stream(result.get("names").split(",")).distinct()).hasSize(1);
		}
	}

	@Test
	void withoutStickinessLongPollingFails() throws Exception {
		boolean failed = false;
		for (int i = 0; i < 3 && !failed; i++) {
			failed = "false".equals(client("/unsticky/socket.io/", "polling", 8).get("ok"));
		}
		assertThat(failed).as("a polling client over three servers without stickiness should fail").isTrue();
	}

	private static Map<String, String> client(String path, String mode, int count) throws Exception {
		Process process = new ProcessBuilder("node", "client.js", "http://127.0.0.1:" + gateway.port, path, mode,
				String.valueOf(count))
			.directory(node.dir().toFile())
			.redirectErrorStream(true)
			.start();
		BlockingQueue<String> lines = NodeApps.lines(process);
		String result = null;
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (result == null && System.nanoTime() < deadline) {
			String line = lines.poll(1, TimeUnit.SECONDS);
			if (line != null && line.startsWith("ok=")) {
				result = line;
			}
		}
		if (!process.waitFor(10, TimeUnit.SECONDS)) {
			process.destroyForcibly();
		}
		assertThat(result).as("the Socket.IO client's result line").isNotNull();
		Matcher matcher = Pattern.compile("ok=(\\S+) names=(\\S*) transport=(\\S+) errors=(.*)").matcher(result);
		assertThat(matcher.matches()).as(result).isTrue();
		return Map.of("ok", matcher.group(1), "names", matcher.group(2), "transport", matcher.group(3), "errors",
				matcher.group(4));
	}

}
