package dev.switchboard.soak;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import redis.embedded.RedisServer;

import dev.switchboard.SwitchboardApplication;
import dev.switchboard.support.BackendMain;
import dev.switchboard.support.ChildJvm;
import dev.switchboard.support.EmbeddedRedis;
import dev.switchboard.support.Ports;
import dev.switchboard.support.WsClient;

/**
 * The processes of a soak run, all real and on loopback: Redis, three backend instances
 * of one {@code lb://chat} service (each a {@link BackendMain} JVM that answers its name
 * on {@code /ws/whoami}, then echoes), and two gateway replicas (each a
 * {@link SwitchboardApplication} JVM on fixed ports, so a restarted one comes back where
 * it was, with its routes in a file of its own that it reloads). Also what is measured on
 * them: Prometheus scrapes, heap after a full GC ({@code jcmd GC.run}), CPU time from
 * /proc, Redis {@code DBSIZE}.
 */
final class SoakCluster implements AutoCloseable {

	static final String SECRET = "soak-secret-soak-secret-soak-secret-0123";

	static final String COOKIE = "SWITCHBOARD_STICKY";

	static final List<String> BACKENDS = List.of("b1", "b2", "b3");

	static final Duration START_LIMIT = Duration.ofSeconds(120);

	private final SoakSettings settings;

	private final Path directory;

	private int redisPort;

	private volatile RedisServer redis;

	private final Map<String, Integer> backendPorts = new LinkedHashMap<>();

	private final Map<String, ChildJvm> backends = new ConcurrentHashMap<>();

	/** Per backend, the intervals it was down: {from, to}, to = MAX while down. */
	private final Map<String, List<long[]>> down = new ConcurrentHashMap<>();

	/** Per backend, when it was last ready. */
	private final Map<String, Long> readySince = new ConcurrentHashMap<>();

	private final Map<String, Integer> generations = new ConcurrentHashMap<>();

	final List<Replica> replicas = new ArrayList<>();

	SoakCluster(SoakSettings settings, Path directory) {
		this.settings = settings;
		this.directory = directory;
	}

	void start() throws Exception {
		Files.createDirectories(this.directory);
		this.redisPort = Ports.free();
		this.redis = startRedis();
		for (String name : BACKENDS) {
			this.backendPorts.put(name, Ports.free());
			this.down.put(name, new CopyOnWriteArrayList<>());
		}
		List<ChildJvm> starting = new ArrayList<>();
		for (String name : BACKENDS) {
			starting.add(launchBackend(name));
		}
		for (int i = 0; i < BACKENDS.size(); i++) {
			starting.get(i).awaitLine("BACKEND READY", START_LIMIT);
			this.readySince.put(BACKENDS.get(i), System.nanoTime());
		}
		for (int i = 0; i < 2; i++) {
			Path config = this.directory.resolve("replica-" + (i + 1));
			Files.createDirectories(config);
			Files.writeString(config.resolve("application.yml"), routesYaml(0));
			this.replicas.add(new Replica(i, Ports.free(), Ports.free(), config));
		}
		for (Replica replica : this.replicas) {
			replica.launch();
		}
		for (Replica replica : this.replicas) {
			replica.awaitStarted();
		}
	}

	private RedisServer startRedis() throws IOException {
		return EmbeddedRedis.start(this.redisPort);
	}

	private ChildJvm launchBackend(String name) throws IOException {
		int generation = this.generations.merge(name, 1, Integer::sum);
		ChildJvm backend = ChildJvm.start("soak-backend-" + name + "-" + generation, BackendMain.class, List.of(),
				List.of(name, String.valueOf(this.backendPorts.get(name))));
		this.backends.put(name, backend);
		return backend;
	}

	/** SIGKILL to a backend instance. */
	void killBackend(String name) throws InterruptedException {
		this.down.get(name).add(new long[] { System.nanoTime(), Long.MAX_VALUE });
		this.backends.get(name).kill();
	}

	/** Starts a killed backend again on its port; returns once it listens. */
	void restartBackend(String name) throws Exception {
		launchBackend(name).awaitLine("BACKEND READY", START_LIMIT);
		long now = System.nanoTime();
		List<long[]> intervals = this.down.get(name);
		intervals.get(intervals.size() - 1)[1] = now;
		this.readySince.put(name, now);
	}

	/**
	 * Whether the backend was up from {@code from} to {@code to}, and had been for
	 * {@code settled} before {@code from} (an instance that refused connections is left
	 * out for the ejection period after it is back).
	 */
	boolean upThroughout(String name, long from, long to, Duration settled) {
		List<long[]> intervals = this.down.get(name);
		if (intervals == null) {
			return false;
		}
		for (long[] interval : intervals) {
			long back = (interval[1] == Long.MAX_VALUE) ? Long.MAX_VALUE : interval[1] + settled.toNanos();
			if (interval[0] <= to && back >= from) {
				return false;
			}
		}
		return true;
	}

	/** SIGKILL to the Redis server process. */
	void killRedis() {
		EmbeddedRedis.kill(this.redisPort);
	}

	/** Starts Redis again on its port, empty. */
	void restartRedis() throws IOException {
		this.redis = startRedis();
	}

	/**
	 * Keys in Redis ({@code DBSIZE} over a plain socket), or -1 when it does not answer.
	 */
	long redisKeys() {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.redisPort), 1000);
			socket.setSoTimeout(2000);
			OutputStream out = socket.getOutputStream();
			out.write("*1\r\n$6\r\nDBSIZE\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			String line = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
				.readLine();
			return (line != null && line.startsWith(":")) ? Long.parseLong(line.substring(1)) : -1;
		}
		catch (IOException | NumberFormatException ex) {
			return -1;
		}
	}

	/** The Redis server's version ({@code INFO server}), or "unknown". */
	String redisVersion() {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.redisPort), 1000);
			socket.setSoTimeout(2000);
			socket.getOutputStream().write("*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n".getBytes(StandardCharsets.US_ASCII));
			BufferedReader in = new BufferedReader(
					new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
			for (String line = in.readLine(); line != null; line = in.readLine()) {
				if (line.startsWith("redis_version:")) {
					return line.substring("redis_version:".length());
				}
			}
			return "unknown";
		}
		catch (IOException ex) {
			return "unknown";
		}
	}

	/** Writes edit {@code edit} of the routes to every replica's file, atomically. */
	void writeRoutes(int edit) throws IOException {
		for (Replica replica : this.replicas) {
			Path file = replica.config.resolve("application.yml");
			Path temporary = replica.config.resolve(".application.yml.tmp");
			Files.writeString(temporary, routesYaml(edit));
			Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		}
	}

	/**
	 * The routes of edit {@code edit}: the sticky route {@code chat} with idle timeout
	 * {@code 10 + 10 * edit} minutes, and routes {@code chat-added-1..edit}.
	 */
	static String routesYaml(int edit) {
		StringBuilder yaml = new StringBuilder(
				"spring:\n  cloud:\n    gateway:\n      server:\n        webflux:\n          routes:\n");
		yaml.append(route("chat", (10 + 10 * edit) + "m"));
		for (int k = 1; k <= edit; k++) {
			yaml.append(route(addedRoute(k), "10m"));
		}
		return yaml.toString();
	}

	static String addedRoute(int edit) {
		return "chat-added-" + edit;
	}

	private static String route(String id, String idleTimeout) {
		return "            - id: " + id + "\n              uri: lb://chat\n              predicates: [ Path=/" + id
				+ "/** ]\n              filters: [ StripPrefix=1 ]\n              metadata:\n"
				+ "                switchboard:\n                  idle-timeout: " + idleTimeout + "\n"
				+ "                  sticky:\n                    enabled: true\n";
	}

	/** CPU time (user + system) of a process in clock ticks, or -1. */
	static long cpuTicks(long pid) {
		try {
			String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
			String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
			return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
		}
		catch (IOException | RuntimeException ex) {
			return -1;
		}
	}

	@Override
	public void close() throws Exception {
		for (Replica replica : this.replicas) {
			if (replica.jvm != null) {
				replica.jvm.close();
			}
		}
		for (ChildJvm backend : this.backends.values()) {
			backend.close();
		}
		if (this.redis != null) {
			try {
				this.redis.stop();
			}
			catch (IOException ex) {
				// already killed
			}
		}
	}

	/** A gateway replica: fixed ports, its own routes file, its current JVM. */
	final class Replica {

		final int index;

		final int port;

		final int management;

		final Path config;

		volatile ChildJvm jvm;

		int generation;

		Replica(int index, int port, int management, Path config) {
			this.index = index;
			this.port = port;
			this.management = management;
			this.config = config;
		}

		String name() {
			return "replica-" + (this.index + 1);
		}

		void launch() throws IOException {
			this.generation++;
			List<String> jvmArgs = SoakCluster.this.settings.gatewayJvmArgs().isBlank() ? List.of()
					: Arrays.asList(SoakCluster.this.settings.gatewayJvmArgs().trim().split("\\s+"));
			this.jvm = ChildJvm.start("soak-gateway-" + (this.index + 1) + "-" + this.generation,
					SwitchboardApplication.class, jvmArgs, args());
		}

		void awaitStarted() throws InterruptedException {
			this.jvm.awaitLine("Started SwitchboardApplication", START_LIMIT);
		}

		private List<String> args() {
			SoakSettings s = SoakCluster.this.settings;
			List<String> args = new ArrayList<>(List.of("--server.port=" + this.port,
					"--management.server.port=" + this.management, "--spring.data.redis.host=127.0.0.1",
					"--spring.data.redis.port=" + SoakCluster.this.redisPort, "--switchboard.sticky.secret=" + SECRET,
					"--switchboard.close-timeout=2s", "--spring.lifecycle.timeout-per-shutdown-phase=5s",
					"--switchboard.shutdown.accept-delay=" + s.acceptDelay().toMillis() + "ms",
					"--switchboard.shutdown.close-spread=" + s.closeSpread().toMillis() + "ms",
					"--switchboard.balancer.ejection-period=" + s.ejectionPeriod().toMillis() + "ms",
					"--switchboard.reload.interval=" + s.reloadInterval().toMillis() + "ms",
					"--spring.config.additional-location=optional:file:" + this.config.toAbsolutePath() + "/"));
			int i = 0;
			for (String name : BACKENDS) {
				args.add("--spring.cloud.discovery.client.simple.instances.chat[" + i++ + "].uri=http://127.0.0.1:"
						+ SoakCluster.this.backendPorts.get(name));
			}
			return args;
		}

		String ws(String path) {
			return "ws://127.0.0.1:" + this.port + path;
		}

		/** The Prometheus exposition of the replica's current JVM. */
		Scrape scrape() {
			String text = WsClient.client()
				.get()
				.uri("http://127.0.0.1:" + this.management + "/actuator/prometheus")
				.responseSingle((response, body) -> body.asString())
				.block(Duration.ofSeconds(10));
			return new Scrape(text);
		}

		/** Heap used right after a full GC ({@code jcmd <pid> GC.run}), in bytes. */
		double heapAfterFullGc() throws Exception {
			Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
					String.valueOf(this.jvm.pid()), "GC.run")
				.redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.DISCARD)
				.start();
			if (!jcmd.waitFor(60, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
				jcmd.destroyForcibly();
				throw new IllegalStateException("jcmd GC.run failed for " + name());
			}
			return scrape().sum("jvm_memory_used_bytes", "area=heap");
		}

	}

}
