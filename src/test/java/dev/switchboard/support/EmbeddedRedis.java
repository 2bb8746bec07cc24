package dev.switchboard.support;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import redis.embedded.RedisServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real redis-server process (the binary embedded-redis ships) on loopback, empty and
 * without persistence, so a restart starts empty as a Redis without a volume would; and
 * killed with SIGKILL the way an operator or the OOM killer would.
 */
public final class EmbeddedRedis {

	private EmbeddedRedis() {
	}

	/** Starts an empty Redis on {@code port} (127.0.0.1). */
	public static RedisServer start(int port) throws IOException {
		RedisServer server = RedisServer.newRedisServer()
			.port(port)
			.bind("127.0.0.1")
			.setting("save \"\"")
			.setting("appendonly no")
			.build();
		server.start();
		return server;
	}

	/**
	 * CLIENT PAUSE over a plain socket: Redis holds every client's commands for
	 * {@code pause}, keeping its data (a stalled Redis, not a lost one).
	 */
	public static void pause(int port, Duration pause) throws IOException {
		try (Socket socket = new Socket("127.0.0.1", port)) {
			socket.setSoTimeout(5000);
			String millis = String.valueOf(pause.toMillis());
			String command = "*3\r\n$6\r\nCLIENT\r\n$5\r\nPAUSE\r\n$" + millis.length() + "\r\n" + millis + "\r\n";
			socket.getOutputStream().write(command.getBytes(StandardCharsets.US_ASCII));
			byte[] reply = new byte[5];
			assertThat(socket.getInputStream().readNBytes(reply, 0, 5)).isEqualTo(5);
			assertThat(new String(reply, StandardCharsets.US_ASCII)).isEqualTo("+OK\r\n");
		}
	}

	/**
	 * SIGKILLs the redis-server this JVM started on {@code port} (the only one started,
	 * when none names its port on its command line) and waits for it to exit.
	 */
	public static void kill(int port) {
		List<ProcessHandle> candidates = ProcessHandle.current()
			.descendants()
			.filter((process) -> process.info().command().map((c) -> c.contains("redis-server")).orElse(false))
			.toList();
		List<ProcessHandle> onPort = candidates.stream()
			.filter((
					process) -> process.info().commandLine().map((c) -> c.contains(String.valueOf(port))).orElse(false))
			.toList();
		List<ProcessHandle> targets = !onPort.isEmpty() ? onPort : candidates;
		if (targets.size() != 1) {
			throw new IllegalStateException("expected one redis-server on port " + port + ", found "
					+ targets.stream().map((p) -> p.info().commandLine().orElse("?")).toList());
		}
		ProcessHandle target = targets.get(0);
		target.destroyForcibly();
		target.onExit().join();
	}

}
