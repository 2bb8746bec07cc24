package dev.switchboard.sticky;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import reactor.netty.http.client.HttpClient;
import redis.embedded.RedisServer;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import dev.switchboard.SwitchboardApplication;
import dev.switchboard.support.PrivateLoops;
import dev.switchboard.support.WsClient;

/**
 * One whole gateway application for tests that need several sharing one Redis, started
 * like a deployment, from command-line properties only. Each gets event loops of its own
 * (see ShutdownTest).
 */
final class StickyGateway implements AutoCloseable {

	static final String SECRET = "test-secret-test-secret-test-secret-0123";

	final ConfigurableApplicationContext context;

	final int port;

	/** Actuator lives on its own port (random in tests). */
	final int managementPort;

	StickyGateway(List<String> args) {
		this.context = new SpringApplicationBuilder(SwitchboardApplication.class, PrivateLoops.class)
			.run(args.toArray(String[]::new));
		this.port = ((WebServerApplicationContext) this.context).getWebServer().getPort();
		this.managementPort = this.context.getEnvironment().getRequiredProperty("local.management.port", Integer.class);
	}

	/**
	 * The properties every test gateway needs: a random port, the Redis on
	 * {@code redisPort}, the signing key.
	 */
	static List<String> baseArgs(int redisPort) {
		return new ArrayList<>(List.of("--server.port=0", "--spring.data.redis.host=127.0.0.1",
				"--spring.data.redis.port=" + redisPort, "--switchboard.sticky.secret=" + SECRET));
	}

	/**
	 * A real Redis server process (the binary embedded-redis ships) on
	 * 127.0.0.1:{@code port}, not yet started.
	 */
	static RedisServer redis(int port) throws IOException {
		return RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"").build();
	}

	/** A started Redis server on a free port (see {@link #redis(int)}). */
	static RedisServer startRedis() throws IOException {
		RedisServer redis = redis(freePort());
		redis.start();
		return redis;
	}

	static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	/** Closes what was opened, in order, skipping nulls and going on after a failure. */
	static void closeAll(AutoCloseable... closeables) {
		for (AutoCloseable closeable : closeables) {
			if (closeable != null) {
				try {
					closeable.close();
				}
				catch (Exception ex) {
					// keep closing the rest
				}
			}
		}
	}

	/** Command-line properties of a sticky route over a named group of instances. */
	static List<String> stickyRoute(int index, String id, String group, String path, Map<String, String> metadata) {
		String route = "--spring.cloud.gateway.server.webflux.routes[" + index + "]";
		List<String> args = new ArrayList<>(List.of(route + ".id=" + id, route + ".uri=lb://" + group,
				route + ".predicates[0]=Path=" + path + "/**", route + ".filters[0]=StripPrefix=1",
				route + ".metadata.switchboard.sticky.enabled=true"));
		metadata.forEach((key, value) -> args.add(route + ".metadata.switchboard.sticky." + key + "=" + value));
		return args;
	}

	static List<String> instances(String group, int... ports) {
		List<String> args = new ArrayList<>();
		for (int i = 0; i < ports.length; i++) {
			args.add("--spring.cloud.discovery.client.simple.instances." + group + "[" + i + "].uri=http://127.0.0.1:"
					+ ports[i]);
		}
		return args;
	}

	String url(String scheme, String path) {
		return scheme + "://127.0.0.1:" + (path.startsWith("/actuator/") ? this.managementPort : this.port) + path;
	}

	/** A plain HTTP GET with an optional Cookie header. */
	Answer get(String path, String cookie) {
		HttpClient client = WsClient.client().headers((headers) -> {
			if (cookie != null) {
				headers.set("Cookie", cookie);
			}
		});
		return client.get()
			.uri(url("http", path))
			.responseSingle((response, body) -> body.asString()
				.defaultIfEmpty("")
				.map((text) -> new Answer(response.status().code(), text,
						response.responseHeaders().getAll("Set-Cookie"))))
			.block(WsClient.TIMEOUT);
	}

	/**
	 * A WebSocket session to a {@code /ws/whoami} path: the backend's name is its first
	 * message.
	 */
	Answer ws(String path, String cookie) throws InterruptedException {
		try (WsClient client = connect(path, cookie)) {
			return new Answer(101, client.nextText(), client.handshakeHeaders().getAll("Set-Cookie"));
		}
	}

	WsClient connect(String path, String cookie) {
		return WsClient.connect(url("ws", path), (headers) -> {
			if (cookie != null) {
				headers.set("Cookie", cookie);
			}
		});
	}

	double meter(String name, String... tags) {
		MeterRegistry registry = this.context.getBean(MeterRegistry.class);
		var search = registry.find(name).tags(tags);
		if (search.counter() != null) {
			return search.counter().count();
		}
		return (search.gauge() != null) ? search.gauge().value() : Double.NaN;
	}

	<T> T bean(Class<T> type) {
		return this.context.getBean(type);
	}

	@Override
	public void close() {
		this.context.close();
	}

	static void await(String what, Duration limit, BooleanSupplier condition) {
		Awaitility.await(what).atMost(limit).pollInterval(Duration.ofMillis(20)).until(condition::getAsBoolean);
	}

	/**
	 * An answer: status, body (the backend's name for whoami paths) and the Set-Cookie
	 * headers.
	 */
	record Answer(int status, String body, List<String> setCookies) {

		/** {@code name=value} of the cookie set with this name, or null. */
		String cookie(String name) {
			for (String setCookie : this.setCookies) {
				if (setCookie.startsWith(name + "=")) {
					int end = setCookie.indexOf(';');
					return (end < 0) ? setCookie : setCookie.substring(0, end);
				}
			}
			return null;
		}

		String setCookie(String name) {
			for (String setCookie : this.setCookies) {
				if (setCookie.startsWith(name + "=")) {
					return setCookie;
				}
			}
			return null;
		}

	}

	/**
	 * Deliberately not a {@code @Configuration}: this is no test class, so component
	 * scanning of {@code dev.switchboard} would pick it up in every other test's context.
	 * Registered as a source only.
	 */

}
