package dev.switchboard.support;

import java.io.IOException;
import java.util.List;

import redis.embedded.RedisServer;

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
