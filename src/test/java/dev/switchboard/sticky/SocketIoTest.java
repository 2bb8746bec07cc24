package dev.switchboard.sticky;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real Socket.IO (Node.js server and client, installed from npm into target/socketio) through a sticky
 * route over three Socket.IO servers. Engine.IO's long-polling needs every request of a session on one
 * server; the Node client ignores cookies, so the route learns the {@code io} cookie the server sets
 * and routes by the {@code sid} query parameter. A control route without stickiness shows the client
 * failing. Skipped, saying why, where node or npm is missing.
 */
class SocketIoTest {

	static final Path DIR = Path.of("target", "socketio");

	static final List<Process> servers = new ArrayList<>();

	static RedisServer redis;

	static StickyGateway gateway;

	@BeforeAll
	static void start() throws Exception {
		assumeTrue(run(List.of("node", "--version"), Path.of("."), 10) == 0,
				"node is not installed: Socket.IO through a sticky route is not tested");
		Files.createDirectories(DIR);
		for (String file : List.of("package.json", "server.js", "client.js")) {
			Files.copy(Path.of("src", "test", "resources", "socketio", file), DIR.resolve(file),
					StandardCopyOption.REPLACE_EXISTING);
		}
		if (!Files.exists(DIR.resolve("node_modules").resolve("socket.io-client"))) {
			assumeTrue(run(List.of("npm", "install", "--no-audit", "--no-fund"), DIR, 180) == 0,
					"npm install socket.io failed (no npm registry?): Socket.IO through a sticky route is not tested");
		}
		int[] ports = new int[3];
		for (int i = 0; i < 3; i++) {
			ports[i] = startServer("s" + i);
		}
		int redisPort;
		try (ServerSocket socket = new ServerSocket(0)) {
			redisPort = socket.getLocalPort();
		}
		redis = RedisServer.newRedisServer().port(redisPort).bind("127.0.0.1").setting("save \"\"").build();
		redis.start();
		List<String> args = new ArrayList<>(List.of("--server.port=0", "--spring.data.redis.host=127.0.0.1",
				"--spring.data.redis.port=" + redisPort, "--switchboard.sticky.secret=" + StickyGateway.SECRET));
		args.addAll(StickyGateway.instances("sio", ports));
		String route = "--spring.cloud.gateway.server.webflux.routes";
		args.addAll(List.of(route + "[0].id=socketio", route + "[0].uri=lb://sio",
				route + "[0].predicates[0]=Path=/socket.io/**",
				route + "[0].metadata.switchboard.sticky.enabled=true",
				route + "[0].metadata.switchboard.sticky.learn-cookie=io",
				route + "[0].metadata.switchboard.sticky.learn-query-param=sid"));
		args.addAll(List.of(route + "[1].id=unsticky", route + "[1].uri=lb://sio",
				route + "[1].predicates[0]=Path=/unsticky/**", route + "[1].filters[0]=StripPrefix=1"));
		gateway = new StickyGateway(args);
	}

	@AfterAll
	static void stop() throws Exception {
		for (Process server : servers) {
			server.destroy();
			server.waitFor(10, TimeUnit.SECONDS);
		}
		if (gateway != null) {
			gateway.close();
		}
		if (redis != null) {
			redis.stop();
		}
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
			.directory(DIR.toFile())
			.redirectErrorStream(true)
			.start();
		BlockingQueue<String> lines = lines(process);
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
		java.util.regex.Matcher matcher = java.util.regex.Pattern
			.compile("ok=(\\S+) names=(\\S*) transport=(\\S+) errors=(.*)")
			.matcher(result);
		assertThat(matcher.matches()).as(result).isTrue();
		return Map.of("ok", matcher.group(1), "names", matcher.group(2), "transport", matcher.group(3), "errors",
				matcher.group(4));
	}

	private static int startServer(String name) throws Exception {
		Process process = new ProcessBuilder("node", "server.js", name).directory(DIR.toFile())
			.redirectErrorStream(true)
			.start();
		servers.add(process);
		String line = lines(process).poll(20, TimeUnit.SECONDS);
		assertThat(line).as("Socket.IO server " + name + " started").startsWith("listening ");
		return Integer.parseInt(line.substring("listening ".length()).trim());
	}

	private static BlockingQueue<String> lines(Process process) {
		BlockingQueue<String> lines = new LinkedBlockingQueue<>();
		Thread reader = new Thread(() -> {
			try (BufferedReader in = new BufferedReader(
					new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
				String line;
				while ((line = in.readLine()) != null) {
					lines.add(line);
				}
			}
			catch (IOException ex) {
				// the process ended
			}
		}, "node-output");
		reader.setDaemon(true);
		reader.start();
		return lines;
	}

	private static int run(List<String> command, Path dir, int seconds) {
		try {
			Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.DISCARD)
				.start();
			if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				return -1;
			}
			return process.exitValue();
		}
		catch (IOException ex) {
			return -1;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return -1;
		}
	}

}
