package dev.switchboard.soak;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

import dev.switchboard.soak.FaultPlan.Window;
import dev.switchboard.soak.SoakCluster.Replica;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Soak under faults (issue #13, part 4): two gateway replicas, three backend instances
 * and Redis as real processes, clients on a sticky route exchanging sequence-numbered
 * messages at a steady rate and reconnecting like a client library, while a backend is
 * killed with SIGKILL and restarted, Redis is killed and restarted empty, a routes edit
 * is applied to both replicas, and one replica is sent SIGTERM and restarted (a rolling
 * update); some clients reload while Redis is down. Nothing may be lost on a tunnel that
 * stayed open, every tunnel a fault ended must end with a close frame carrying the
 * fault's code, reconnects must return to their instance while it is alive, the route
 * edit must close nothing, and the gateways' gauges, Redis keys and heap must be where
 * they belong at the end.
 *
 * By default a CI smoke (60 clients, 20 s of traffic, the plan compressed into it);
 * {@code -Dsoak.duration=10m -Dsoak.clients=2000 -Dsoak.rate=1} is the full run
 * (bench/soak.sh). Writes target/soak/report.md.
 */
class SoakTest {

	private static final Log logger = LogFactory.getLog(SoakTest.class);

	/** Where {@code ChildJvm} writes the output of every process. */
	private static final Path LOGS = Path.of("target", "child-jvms");

	@Test
	void nothingIsLostAndEveryClientComesBackThroughFaults() throws Exception {
		SoakSettings settings = SoakSettings.fromSystemProperties();
		logger.info("Soak: " + settings.describe());
		Path directory = Path.of("target", "soak");
		SoakReport report = new SoakReport(settings);
		// Logs of an earlier run (a longer one may have had more JVM generations).
		if (Files.isDirectory(LOGS)) {
			try (DirectoryStream<Path> old = Files.newDirectoryStream(LOGS, "soak-*.log")) {
				for (Path log : old) {
					Files.delete(log);
				}
			}
		}
		long launched = System.nanoTime();
		try (SoakCluster cluster = new SoakCluster(settings, directory)) {
			cluster.start();
			report.startup = Duration.ofNanos(System.nanoTime() - launched);
			report.redisVersion = cluster.redisVersion();
			Replica first = cluster.replicas.get(0);
			Replica second = cluster.replicas.get(1);
			try (SoakClients clients = new SoakClients(settings, first.port, second.port)) {
				clients.connectAll();
				await("every client connected")
					.atMost(Duration.ofSeconds(60 + settings.clients() / settings.connectRate()))
					.until(clients::allOpen);
				clients.startSending();
				FaultPlan plan = plan(settings, cluster, clients, report);
				ScheduledExecutorService sampler = sample(cluster, report, settings.sample());
				try {
					plan.run(System.nanoTime()).get(settings.duration().plusMinutes(10).toSeconds(), TimeUnit.SECONDS);
				}
				catch (ExecutionException | TimeoutException ex) {
					report.planFailure = String.valueOf((ex.getCause() != null) ? ex.getCause() : ex);
				}
				finally {
					plan.shutdown();
				}
				clients.stopSending();
				plan.event("senders stopped; waiting for the echoes in flight");
				report.drained = within(Duration.ofSeconds(30), () -> clients.allOpen() && clients.unechoed() == 0);
				plan.event("echoes drained: " + report.drained);
				sampler.shutdownNow();
				measureEnd(cluster, clients, report);
				plan.event("end measurements taken");
				report.connectFailures = clients.failures();
				report.readGatewayLogs(LOGS);
				report.compute(plan, clients, cluster);
				Files.createDirectories(directory);
				Files.writeString(directory.resolve("report.md"), report.markdown());
				logger.info(report.summary() + " (report: " + directory.resolve("report.md") + ")");
			}
		}
		assertThat(report.failures()).as("soak checks (see target/soak/report.md)").isEmpty();
	}

	/**
	 * The fault plan: per round (of {@code duration / rounds}), a backend killed and
	 * restarted, Redis killed and restarted empty, a routes edit on both replicas, and
	 * replica-1 sent SIGTERM and restarted; each step at a fixed share of the round, and
	 * after the previous one's effects (plus a margin).
	 */
	private static FaultPlan plan(SoakSettings settings, SoakCluster cluster, SoakClients clients, SoakReport report) {
		FaultPlan plan = new FaultPlan();
		Duration round = settings.round();
		Duration margin = settings.margin();
		plan.step("baseline: full GC and heap on both replicas", share(round, 0.04), Duration.ZERO, () -> {
			for (Replica replica : cluster.replicas) {
				double heap = replica.heapAfterFullGc();
				double tunnels = replica.scrape().sum("switchboard_tunnels_open");
				report.heap.put(replica.name(), new double[] { heap, tunnels, 0, 0 });
				plan.event(replica.name() + " heap after full GC " + SoakReport.mib(heap) + " MiB with "
						+ (long) tunnels + " tunnels");
			}
		});
		for (int r = 0; r < settings.rounds(); r++) {
			Duration base = round.multipliedBy(r);
			String backend = SoakCluster.BACKENDS.get(r % SoakCluster.BACKENDS.size());
			AtomicReference<Window> backendWindow = new AtomicReference<>();
			plan.step("SIGKILL backend " + backend, base.plus(share(round, 0.08)), margin, () -> {
				backendWindow.set(plan.open("backend SIGKILL", backend, Set.of(1011)));
				cluster.killBackend(backend);
			});
			plan.step("restart backend " + backend, base.plus(share(round, 0.08)).plus(settings.backendDown()),
					Duration.ZERO, () -> {
						cluster.restartBackend(backend);
						backendWindow.get().end(margin);
					});
			AtomicReference<Window> redisWindow = new AtomicReference<>();
			plan.step("SIGKILL Redis", base.plus(share(round, 0.22)), margin, () -> {
				redisWindow.set(plan.open("Redis SIGKILL", "", Set.of()));
				cluster.killRedis();
				// Sessions coming back while Redis is down: the cookie alone keeps
				// them on their instance.
				plan.event(clients.reload(0.1) + " clients reload (close 1000, reconnect) while Redis is down");
			});
			plan.step("restart Redis (empty)", base.plus(share(round, 0.22)).plus(settings.redisDown()), Duration.ZERO,
					() -> {
						cluster.restartRedis();
						redisWindow.get().end(margin);
					});
			int edit = r + 1;
			SoakReport.Edit result = new SoakReport.Edit(edit, "adds route " + SoakCluster.addedRoute(edit)
					+ ", chat idle-timeout " + (10 + 10 * (edit - 1)) + "m -> " + (10 + 10 * edit) + "m");
			double[] before = new double[4];
			plan.step("route edit " + edit + " on both replicas", base.plus(share(round, 0.36)), margin,
					() -> editRoutes(cluster, plan, settings, result, before));
			plan.step("route edit " + edit + ": closes counted by the gateways", Duration.ZERO, margin, () -> {
				for (int i = 0; i < 2; i++) {
					Scrape scrape = cluster.replicas.get(i).scrape();
					result.gatewayCloses += scrape.sum("switchboard_tunnel_closes_total", "route=chat") - before[i];
					result.reloads += scrape.sum("switchboard_config_reloads_total", "result=success") - before[2 + i];
				}
				report.edits.add(result);
			});
			plan.step("rolling update: SIGTERM replica-1, restart it", base.plus(share(round, 0.45)), margin,
					() -> rollingUpdate(cluster.replicas.get(0), plan, settings, report));
		}
		plan.step("end of traffic", settings.duration(), margin.multipliedBy(2), () -> {
		});
		return plan;
	}

	private static void editRoutes(SoakCluster cluster, FaultPlan plan, SoakSettings settings, SoakReport.Edit result,
			double[] before) throws Exception {
		for (int i = 0; i < 2; i++) {
			Scrape scrape = cluster.replicas.get(i).scrape();
			// Route chat only: the probes of the new route close their own sessions.
			before[i] = scrape.sum("switchboard_tunnel_closes_total", "route=chat");
			before[2 + i] = scrape.sum("switchboard_config_reloads_total", "result=success");
		}
		result.window = plan.open("route edit", String.valueOf(result.edit), Set.of());
		long written = System.nanoTime();
		cluster.writeRoutes(result.edit);
		for (Replica replica : cluster.replicas) {
			replica.jvm.awaitLine("Applied the new configuration", settings.reloadInterval().plusSeconds(20));
		}
		result.appliedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - written);
		result.applied = true;
		plan.event("route edit " + result.edit + " applied on both replicas after " + result.appliedMs + " ms");
		String path = "/" + SoakCluster.addedRoute(result.edit) + "/ws/whoami";
		result.served = cluster.replicas.stream()
			.allMatch((replica) -> within(Duration.ofSeconds(10),
					() -> SoakCluster.BACKENDS.contains(whoami(replica.ws(path)))));
		result.window.end(settings.margin());
	}

	/** The backend that answers a new WebSocket session on {@code url}, or null. */
	private static String whoami(String url) {
		try (WsClient client = WsClient.connect(url)) {
			return client.nextText();
		}
		catch (Exception | AssertionError ex) {
			return null;
		}
	}

	private static void rollingUpdate(Replica replica, FaultPlan plan, SoakSettings settings, SoakReport report)
			throws Exception {
		Window window = plan.open("rolling update (SIGTERM)", replica.name(), Set.of(1012));
		long tunnels = (long) replica.scrape().sum("switchboard_tunnels_open");
		long terminated = System.nanoTime();
		replica.jvm.terminate();
		Duration grace = settings.acceptDelay().plus(settings.closeSpread()).plusSeconds(2 + 5 + 5);
		assertThat(replica.jvm.awaitExit(grace)).as(replica.name() + " exits within its grace period " + grace)
			.isTrue();
		long exited = System.nanoTime();
		plan.event(replica.name() + " exited " + millis(exited - terminated) + " ms after SIGTERM (" + tunnels
				+ " tunnels open before)");
		replica.launch();
		replica.awaitStarted();
		long started = System.nanoTime();
		plan.event(replica.name() + " started again " + millis(started - exited) + " ms after exiting");
		report.restarted.add(replica.name());
		report.rollingUpdates.add(replica.name() + ": " + tunnels + " tunnels open at SIGTERM; exited after "
				+ millis(exited - terminated) + " ms (grace " + grace.toMillis() + " ms); ready again "
				+ millis(started - exited) + " ms later");
		window.end(settings.margin());
	}

	/** Gateway CPU, the test JVM's CPU and Redis keys, every {@code interval}. */
	private static ScheduledExecutorService sample(SoakCluster cluster, SoakReport report, Duration interval) {
		MachineCpu machine = new MachineCpu();
		ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "soak-sampler");
			thread.setDaemon(true);
			return thread;
		});
		sampler.scheduleAtFixedRate(() -> {
			long now = System.nanoTime();
			for (Replica replica : cluster.replicas) {
				long pid = replica.jvm.pid();
				report.cpu.computeIfAbsent(replica.name(), (name) -> new SoakReport.Cpu())
					.sample(pid, SoakCluster.cpuTicks(pid), now);
			}
			long self = ProcessHandle.current().pid();
			report.cpu.computeIfAbsent("test JVM (clients)", (name) -> new SoakReport.Cpu())
				.sample(self, SoakCluster.cpuTicks(self), now);
			machine.sample(now, report);
			report.redisKeys.add(new long[] { now, cluster.redisKeys() });
		}, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
		return sampler;
	}

	private static void measureEnd(SoakCluster cluster, SoakClients clients, SoakReport report) throws Exception {
		report.allOpenAtEnd = clients.allOpen();
		within(Duration.ofSeconds(20), () -> {
			int[] open = clients.openPerReplica();
			for (int i = 0; i < 2; i++) {
				report.trueEnd[i] = open[i];
				report.gaugeEnd[i] = (int) cluster.replicas.get(i).scrape().sum("switchboard_tunnels_open");
			}
			return report.trueEnd[0] == report.gaugeEnd[0] && report.trueEnd[1] == report.gaugeEnd[1];
		});
		for (Replica replica : cluster.replicas) {
			double heap = replica.heapAfterFullGc();
			double[] figures = report.heap.computeIfAbsent(replica.name(), (name) -> new double[4]);
			figures[2] = heap;
			figures[3] = replica.scrape().sum("switchboard_tunnels_open");
			Scrape scrape = replica.scrape();
			List<String> lines = new ArrayList<>();
			for (String metric : List.of("switchboard_tunnels_open", "switchboard_tunnel_closes_total",
					"switchboard_tunnel_gateway_closes_total", "switchboard_sticky_decisions_total",
					"switchboard_sticky_redis_errors_total", "switchboard_upgrades_total",
					"switchboard_config_reloads_total")) {
				lines.addAll(scrape.lines(metric));
			}
			report.finalMetrics.put(replica.name() + " (JVM generation " + replica.generation + ")", lines);
		}
		report.redisKeysEnd = cluster.redisKeys();
	}

	/** Whether {@code condition} holds within {@code limit} (Awaitility, polled). */
	private static boolean within(Duration limit, Callable<Boolean> condition) {
		try {
			await().atMost(limit).pollInterval(Duration.ofMillis(200)).until(condition);
			return true;
		}
		catch (ConditionTimeoutException ex) {
			return false;
		}
	}

	private static Duration share(Duration round, double share) {
		return Duration.ofNanos((long) (round.toNanos() * share));
	}

	private static long millis(long nanos) {
		return TimeUnit.NANOSECONDS.toMillis(nanos);
	}

	/**
	 * The whole machine's CPU time (/proc/stat) and that of this JVM and every process it
	 * started (gateways, backends, Redis): the rest is someone else's.
	 */
	private static final class MachineCpu {

		private final Map<Long, Long> last = new HashMap<>();

		private long soak;

		private long machineTotal;

		void sample(long now, SoakReport report) {
			long machine = busyTicks();
			if (machine < 0) {
				return;
			}
			Map<Long, Long> current = new HashMap<>();
			ProcessHandle self = ProcessHandle.current();
			Stream.concat(Stream.of(self), self.descendants()).forEach((process) -> {
				long ticks = SoakCluster.cpuTicks(process.pid());
				if (ticks >= 0) {
					current.put(process.pid(), ticks);
				}
			});
			if (this.machineTotal > 0) {
				current.forEach((pid, ticks) -> this.soak += ticks - this.last.getOrDefault(pid, 0L));
			}
			this.last.clear();
			this.last.putAll(current);
			this.machineTotal = machine;
			report.cpu.computeIfAbsent("machine (all processes)", (name) -> new SoakReport.Cpu())
				.sample(0, machine, now);
			report.cpu.computeIfAbsent("other processes (not the soak's)", (name) -> new SoakReport.Cpu())
				.sample(0, Math.max(0, machine - this.soak), now);
		}

		/**
		 * Busy ticks of all cores since boot (user, nice, system, irq, softirq, steal).
		 */
		private static long busyTicks() {
			try {
				String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
				return Long.parseLong(fields[1]) + Long.parseLong(fields[2]) + Long.parseLong(fields[3])
						+ Long.parseLong(fields[6]) + Long.parseLong(fields[7]) + Long.parseLong(fields[8]);
			}
			catch (IOException | RuntimeException ex) {
				return -1;
			}
		}

	}

}
