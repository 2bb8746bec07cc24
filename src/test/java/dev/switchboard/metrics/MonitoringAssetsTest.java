package dev.switchboard.metrics;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import org.springframework.boot.test.web.server.LocalManagementPort;

import dev.switchboard.support.GatewayTest;
import dev.switchboard.support.PrometheusScrape;
import dev.switchboard.support.RequiredTool;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The monitoring assets in deploy/monitoring parse, agree with each other, and name only
 * metrics the gateway really exports; with promtool on the PATH (.ci/run installs it) the
 * rules are also checked and their unit tests run.
 */
class MonitoringAssetsTest extends GatewayTest {

	static final Path ASSETS = Path.of("deploy/monitoring");

	static final Pattern METRIC = Pattern.compile("\\bswitchboard_[a-z_]+\\b");

	/**
	 * Exported once a route is sticky or load-balanced; exercised by the sticky-routing
	 * tests.
	 */
	static final Set<String> STICKY_METRICS = Set.of("switchboard_sticky_decisions_total",
			"switchboard_sticky_redis_latency_seconds_bucket", "switchboard_sticky_redis_latency_seconds_count",
			"switchboard_sticky_redis_latency_seconds_sum", "switchboard_sticky_redis_latency_seconds_max",
			"switchboard_sticky_redis_errors_total", "switchboard_sticky_redis_degraded",
			"switchboard_backend_instances");

	@LocalManagementPort
	int managementPort;

	@Test
	void theDashboardAndRulesNameOnlyExportedMetrics() throws Exception {
		// Make every tunnel meter exist: a handshake, traffic, a backend close and a
		// gateway close.
		try (WsClient client = WsClient.connect(ws("/ws?assets"))) {
			client.sendText("close:1000:ok");
			client.awaitClose();
		}
		try (WsClient client = WsClient.connect(ws("/small/ws"))) {
			client.sendBinary(new byte[2048]);
			client.awaitClose();
		}
		// The tunnel is counted when its connections are gone, a moment after the
		// client's close frame.
		await().atMost(Duration.ofSeconds(10))
			.until(() -> PrometheusScrape.of(this.managementPort)
				.names()
				.contains("switchboard_tunnel_gateway_closes_total"));
		Set<String> exported = new TreeSet<>(PrometheusScrape.of(this.managementPort).names());
		exported.addAll(STICKY_METRICS);
		Set<String> used = new TreeSet<>();
		for (String file : new String[] { "prometheusrule.yaml", "grafana-dashboard.json" }) {
			Matcher matcher = METRIC.matcher(Files.readString(ASSETS.resolve(file)));
			while (matcher.find()) {
				used.add(matcher.group());
			}
		}
		used.removeIf((name) -> name.startsWith("switchboard_") && name.contains(":"));
		assertThat(used).isNotEmpty();
		assertThat(exported).containsAll(used);
	}

	@Test
	@SuppressWarnings("unchecked")
	void theConfigMapCarriesTheDashboardUnchanged() throws IOException {
		Yaml yaml = new Yaml();
		Object dashboard = yaml.load(Files.readString(ASSETS.resolve("grafana-dashboard.json")));
		Map<String, Object> configMap = yaml.load(Files.readString(ASSETS.resolve("grafana-dashboard-configmap.yaml")));
		Map<String, Object> metadata = (Map<String, Object>) configMap.get("metadata");
		assertThat((Map<String, Object>) metadata.get("labels")).containsEntry("grafana_dashboard", "1");
		Map<String, String> data = (Map<String, String>) configMap.get("data");
		assertThat((Object) yaml.load(data.get("switchboard.json"))).isEqualTo(dashboard);
	}

	@Test
	void theRulesPassPromtool() throws Exception {
		Path rules = extractRuleGroups();
		File promtool = new File("/usr/bin/promtool");
		RequiredTool.require(promtool.canExecute(),
				"promtool is not installed (apt-get install prometheus); rules only parsed");
		assertThat(run(promtool.getPath(), "check", "rules", rules.toString())).isZero();
		assertThat(run(promtool.getPath(), "test", "rules", ASSETS.resolve("prometheusrule-test.yaml").toString()))
			.isZero();
	}

	/**
	 * promtool reads plain rule files: the PrometheusRule's spec.groups, written to
	 * target/monitoring.
	 */
	@SuppressWarnings("unchecked")
	private static Path extractRuleGroups() throws IOException {
		Map<String, Object> resource = new Yaml().load(Files.readString(ASSETS.resolve("prometheusrule.yaml")));
		assertThat(resource).containsEntry("kind", "PrometheusRule");
		Map<String, Object> spec = (Map<String, Object>) resource.get("spec");
		DumperOptions options = new DumperOptions();
		options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
		Path target = Path.of("target/monitoring/rules.yaml");
		Files.createDirectories(target.getParent());
		Files.writeString(target, new Yaml(options).dump(Map.of("groups", spec.get("groups"))));
		return target;
	}

	private static int run(String... command) throws Exception {
		Process process = new ProcessBuilder(command).inheritIO().start();
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		return process.exitValue();
	}

}
