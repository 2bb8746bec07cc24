package dev.switchboard.deploy;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.Rule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.yaml.snakeyaml.Yaml;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;

import dev.switchboard.SwitchboardApplication;
import dev.switchboard.balancer.DnsDiscoveryProperties;
import dev.switchboard.edge.EdgeProperties;
import dev.switchboard.support.PrivateLoops;
import dev.switchboard.support.RequiredTool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The Helm chart in helm/switchboard lints; renders well-formed resources with its
 * defaults and with every optional part switched on; refuses mistyped values through its
 * schema; and packages the monitoring assets of deploy/monitoring unchanged. The
 * Dockerfile keeps the facts the chart relies on. Offline and without a helm binary: Helm
 * runs in-process as a native library (helm-java), rendered manifests are parsed into
 * fabric8's typed model.
 */
class HelmChartTest {

	static final Path CHART = Path.of("helm/switchboard");

	static final Path MONITORING = Path.of("deploy/monitoring");

	/**
	 * The monitoring assets the chart reads with .Files.Get; deploy/monitoring holds the
	 * originals.
	 */
	static final List<String> PACKAGED_ASSETS = List.of("prometheusrule.yaml", "servicemonitor.yaml",
			"pod-annotations.yaml", "grafana-dashboard.json");

	static final String RELEASE = "gw";

	static final String NAMESPACE = "edge";

	static final String FULLNAME = "gw-switchboard";

	/**
	 * The chart's jvm.options and the image's JAVA_TOOL_OPTIONS: heap share, Netty's
	 * Unsafe on Java 25, the AOT cache the image build trains.
	 */
	static final String DEFAULT_JVM_OPTIONS = "-XX:MaxRAMPercentage=60 --sun-misc-unsafe-memory-access=allow "
			+ "-Dio.netty.noUnsafe=false -XX:AOTCache=/app/app.aot";

	/**
	 * helm template assumes Kubernetes 1.20 without a cluster; the chart needs 1.25 or
	 * newer.
	 */
	static final String KUBE_VERSION = "v1.30.0";

	/** Every optional part on, and every block that feeds application.yml filled in. */
	static final String ALL_ENABLED = """
			ingress:
			  enabled: true
			  className: nginx
			  annotations:
			    nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"
			  hosts:
			    - host: ws.example.com
			      paths:
			        - path: /
			          pathType: Prefix
			  tls:
			    - secretName: ws-tls
			      hosts: [ws.example.com]
			autoscaling:
			  enabled: true
			  minReplicas: 3
			  maxReplicas: 12
			  targetMemoryUtilizationPercentage: 80
			  behavior:
			    scaleDown:
			      stabilizationWindowSeconds: 900
			podDisruptionBudget:
			  enabled: true
			networkPolicy:
			  enabled: true
			  managementFrom:
			    - namespaceSelector:
			        matchLabels:
			          kubernetes.io/metadata.name: monitoring
			metrics:
			  podAnnotations:
			    enabled: true
			  serviceMonitor:
			    enabled: true
			    additionalLabels:
			      release: kps
			  prometheusRule:
			    enabled: true
			    additionalLabels:
			      release: kps
			  grafanaDashboard:
			    enabled: true
			    namespace: monitoring
			redis:
			  host: redis-master.data.svc.cluster.local
			  existingSecret: redis
			  existingSecretPasswordKey: password
			discovery:
			  mode: dns
			  services:
			    chat: chat-headless.chat.svc.cluster.local:8080
			  refreshInterval: 10s
			switchboard:
			  close-timeout: 5s
			  edge-idle-timeout: 3600s
			  forwarded:
			    trusted-proxies: [10.0.0.0/8]
			extraConfig:
			  logging:
			    level:
			      dev.switchboard.tunnel: DEBUG
			""";

	static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

	/**
	 * Where the renders of the defaults and of ALL_ENABLED are kept for review
	 * (helm/validate-manifests.mjs).
	 */
	static final Path RENDERED = Path.of("target/helm");

	static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");

	@TempDir
	Path valuesDir;

	@Test
	void chartLintsWithoutWarnings() {
		LintResult result = new Helm(CHART).lint().strict().call();
		assertThat(result.isFailed()).as("helm lint --strict: %s", result.getMessages()).isFalse();
		assertThat(result.getMessages())
			.noneMatch((message) -> message.contains("[WARNING]") || message.contains("[ERROR]"));
	}

	@Test
	void defaultsRenderOnlyTheCoreResources() throws IOException {
		Rendered rendered = render("{}");
		rendered.saveAs("defaults.yaml");
		assertThat(rendered.kinds()).containsExactlyInAnyOrder("ConfigMap", "ConfigMap", "Deployment", "Service",
				"ServiceAccount");
	}

	@Test
	void helmTestPodCurlsTheReadinessEndpoint() throws IOException {
		// helm-java's template leaves hooks out: render a copy of the chart whose test
		// pod is no hook.
		Path copy = this.valuesDir.resolve("chart");
		try (Stream<Path> files = Files.walk(CHART)) {
			for (Path file : (Iterable<Path>) files::iterator) {
				Path target = copy.resolve(CHART.relativize(file).toString());
				if (Files.isDirectory(file)) {
					Files.createDirectories(target);
				}
				else {
					Files.copy(file, target);
				}
			}
		}
		Path testPod = copy.resolve("templates/tests/test-connection.yaml");
		String template = Files.readString(testPod);
		assertThat(template).contains("helm.sh/hook: test");
		Files.writeString(testPod,
				template.lines()
					.filter((line) -> !line.contains("helm.sh/hook"))
					.collect(Collectors.joining("\n", "", "\n")));

		Pod pod = render(copy, "{}").one(Pod.class);
		Container curl = pod.getSpec().getContainers().get(0);
		assertThat(curl.getArgs()).last().isEqualTo("http://" + FULLNAME + ":9090/actuator/health/readiness");
		assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Never");
		assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
	}

	@Test
	void deploymentProbesTheManagementPortAndRunsLockedDown() throws IOException {
		Deployment deployment = render("{}").one(Deployment.class);
		PodSpec pod = deployment.getSpec().getTemplate().getSpec();
		Container gateway = pod.getContainers().get(0);

		assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
		assertThat(gateway.getImage()).isEqualTo("switchboard:0.1.0");
		assertThat(gateway.getPorts()).extracting(ContainerPort::getName, ContainerPort::getContainerPort)
			.containsExactly(tuple("http", 8080), tuple("management", 9090));
		assertProbe(gateway.getStartupProbe(), "/actuator/health/liveness");
		assertProbe(gateway.getLivenessProbe(), "/actuator/health/liveness");
		assertProbe(gateway.getReadinessProbe(), "/actuator/health/readiness");

		SecurityContext security = gateway.getSecurityContext();
		assertThat(security.getRunAsNonRoot()).isTrue();
		assertThat(security.getRunAsUser()).isEqualTo(10001L);
		assertThat(security.getReadOnlyRootFilesystem()).isTrue();
		assertThat(security.getAllowPrivilegeEscalation()).isFalse();
		assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
		assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
		assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
		assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(10001L);
		assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
		assertThat(pod.getAutomountServiceAccountToken()).isFalse();
		assertThat(pod.getEnableServiceLinks()).as("no SWITCHBOARD_* service-link variables").isFalse();

		// The root filesystem is read-only: /tmp is the only writable path, /config holds
		// application.yml.
		assertThat(gateway.getVolumeMounts()).anySatisfy((mount) -> {
			assertThat(mount.getMountPath()).isEqualTo("/tmp");
			assertThat(pod.getVolumes()).anySatisfy((volume) -> {
				assertThat(volume.getName()).isEqualTo(mount.getName());
				assertThat(volume.getEmptyDir()).isNotNull();
			});
		});
		assertThat(gateway.getVolumeMounts()).anySatisfy((mount) -> {
			assertThat(mount.getMountPath()).isEqualTo("/config");
			assertThat(pod.getVolumes()).anySatisfy((volume) -> {
				assertThat(volume.getName()).isEqualTo(mount.getName());
				assertThat(volume.getConfigMap().getName()).isEqualTo(FULLNAME);
			});
		});
		assertThat(gateway.getVolumeMounts()).anySatisfy((mount) -> {
			assertThat(mount.getMountPath()).isEqualTo("/config/routes");
			assertThat(pod.getVolumes()).anySatisfy((volume) -> {
				assertThat(volume.getName()).isEqualTo(mount.getName());
				assertThat(volume.getConfigMap().getName()).isEqualTo(FULLNAME + "-routes");
			});
		});
		assertThat(env(gateway))
			.containsEntry("SPRING_CONFIG_ADDITIONAL_LOCATION", "optional:file:/config/,optional:file:/config/routes/")
			.containsEntry("JAVA_TOOL_OPTIONS", DEFAULT_JVM_OPTIONS)
			.doesNotContainKey("SPRING_DATA_REDIS_PASSWORD");

		// The gateway's own shutdown sequence replaces a preStop sleep; the grace period
		// covers it:
		// accept-delay 5 s + close-spread 10 s + close-timeout 5 s + Spring's shutdown
		// phase 30 s + 5 s.
		assertThat(gateway.getLifecycle()).isNull();
		assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(55L);
		assertThat(gateway.getResources().getLimits()).containsKey("memory").doesNotContainKey("cpu");
		assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations()).containsKey("checksum/settings")
			.doesNotContainKey("prometheus.io/scrape");
	}

	@Test
	void serviceNamesBothPorts() throws IOException {
		Service service = render("{}").one(Service.class);
		assertThat(service.getSpec().getPorts())
			.extracting(ServicePort::getName, ServicePort::getPort, (port) -> port.getTargetPort().getStrVal())
			.containsExactly(tuple("http", 8080, "http"), tuple("management", 9090, "management"));
		assertThat(service.getSpec().getSelector()).containsEntry("app.kubernetes.io/name", "switchboard")
			.containsEntry("app.kubernetes.io/instance", RELEASE);
	}

	@Test
	void theGracePeriodFollowsTheShutdownSettings() throws IOException {
		assertThat(render("""
				switchboard: {close-timeout: 2s, shutdown: {accept-delay: 10s, close-spread: 1m}}
				extraConfig: {spring: {lifecycle: {timeout-per-shutdown-phase: 20s}}}
				""").one(Deployment.class).getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds())
			.isEqualTo(10L + 60 + 2 + 20 + 5);
		assertThat(render("terminationGracePeriodSeconds: 300").one(Deployment.class)
			.getSpec()
			.getTemplate()
			.getSpec()
			.getTerminationGracePeriodSeconds()).isEqualTo(300L);
	}

	@Test
	void theStickySecretComesFromASecretAndNeverAppearsInTheRenderedManifests() throws IOException {
		Rendered rendered = render("""
				sticky: {existingSecret: gateway-secrets, existingSecretKey: sticky}
				redis: {host: redis, existingSecret: gateway-secrets, existingSecretPasswordKey: redis}
				""");
		Container gateway = rendered.one(Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0);
		EnvVar secret = gateway.getEnv()
			.stream()
			.filter((env) -> env.getName().equals("SWITCHBOARD_STICKY_SECRET"))
			.findFirst()
			.orElseThrow();
		assertThat(secret.getValue()).isNull();
		assertThat(secret.getValueFrom().getSecretKeyRef().getName()).isEqualTo("gateway-secrets");
		assertThat(secret.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("sticky");
		assertThat(applicationYml(rendered)).as("no secret in the ConfigMap").doesNotContainKey("switchboard");
		assertThat(rendered.all(ConfigMap.class))
			.noneSatisfy((configMap) -> assertThat(configMap.getData().toString()).containsIgnoringCase("secret"));
		assertThat(render("{}").one(Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
			.noneMatch((env) -> env.getName().equals("SWITCHBOARD_STICKY_SECRET"));
	}

	@Test
	void tracingTurnsOnWithAnEndpointAndTakesItsHeadersFromASecretAsAConfigTree() throws IOException {
		Rendered rendered = render("""
				tracing: {enabled: true, endpoint: "http://otel-collector:4318/v1/traces", samplingProbability: 0.25,
				          headersSecret: otlp-auth}
				""");
		PodSpec pod = rendered.one(Deployment.class).getSpec().getTemplate().getSpec();
		Map<String, String> env = new HashMap<>();
		pod.getContainers().get(0).getEnv().forEach((var) -> env.put(var.getName(), var.getValue()));
		assertThat(env)
			.containsEntry("MANAGEMENT_OPENTELEMETRY_TRACING_EXPORT_OTLP_ENDPOINT",
					"http://otel-collector:4318/v1/traces")
			.containsEntry("MANAGEMENT_TRACING_SAMPLING_PROBABILITY", "0.25")
			.containsEntry("SPRING_CONFIG_IMPORT", "optional:configtree:/config/otlp-headers/");
		assertThat(pod.getVolumes()).anySatisfy((volume) -> {
			assertThat(volume.getName()).isEqualTo("otlp-headers");
			assertThat(volume.getSecret().getSecretName()).isEqualTo("otlp-auth");
		});
		assertThat(pod.getContainers().get(0).getVolumeMounts()).anySatisfy((mount) -> {
			assertThat(mount.getName()).isEqualTo("otlp-headers");
			assertThat(mount.getMountPath())
				.isEqualTo("/config/otlp-headers/management/opentelemetry/tracing/export/otlp/headers");
		});
		assertThat(render("{}").one(Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
			.noneMatch((var) -> var.getName().startsWith("MANAGEMENT_"));
		assertThatThrownBy(() -> render("tracing: {enabled: true}")).hasMessageContaining("tracing.endpoint");
	}

	@Test
	void theRoutesHaveAConfigMapOfTheirOwn() throws IOException {
		Rendered rendered = render("{}");
		Map<String, Object> config = routesYml(rendered);
		assertThat(config).containsOnlyKeys("spring");
		assertThat(applicationYml(rendered)).as("no routes among the settings").doesNotContainKey("spring");
	}

	@Test
	void configMapPutsTheRoutesUnderTheGatewayServerWebfluxPrefix() throws IOException {
		Map<String, Object> config = routesYml(render("{}"));
		List<Map<String, Object>> routes = at(config, "spring", "cloud", "gateway", "server", "webflux", "routes");
		assertThat(routes).singleElement().satisfies((route) -> {
			assertThat(route).containsEntry("id", "example").containsEntry("uri", "http://example-backend:8080");
			assertThat(route.get("predicates")).isEqualTo(List.of("Path=/example/**"));
		});
		// Spring Cloud Gateway 5 silently ignores routes under the old prefix.
		Map<String, Object> gateway = at(config, "spring", "cloud", "gateway");
		assertThat(gateway).containsOnlyKeys("server");
		assertThat(config).doesNotContainKeys("switchboard");
		assertThat(applicationYml(render("{}"))).as("no Redis configured by default").doesNotContainKey("spring");
	}

	@Test
	void changingSettingsRollsThePodsButChangingRoutesDoesNot() throws IOException {
		String before = checksum(render("{}"));
		String routesChanged = checksum(render("""
				routes:
				  - id: chat
				    uri: http://chat:8080
				    predicates: [Path=/chat/**]
				"""));
		assertThat(routesChanged).as("route edits are applied by the running gateways").isEqualTo(before);
		assertThat(checksum(render("switchboard: {close-timeout: 3s}"))).isNotEqualTo(before);
		assertThat(checksum(render("{}"))).isEqualTo(before);
	}

	@Test
	void everyOptionalPartRendersAndParses() throws IOException {
		Rendered rendered = render(ALL_ENABLED);
		rendered.saveAs("all-enabled.yaml");
		assertThat(rendered.kinds()).containsExactlyInAnyOrder("ConfigMap", "ConfigMap", "ConfigMap", "Deployment",
				"Service", "ServiceAccount", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy",
				"Ingress", "ServiceMonitor", "PrometheusRule");

		Deployment deployment = rendered.one(Deployment.class);
		assertThat(deployment.getSpec().getReplicas()).as("replicas left to the HPA").isNull();
		assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
			.containsEntry("prometheus.io/scrape", "true")
			.containsEntry("prometheus.io/port", "9090")
			.containsEntry("prometheus.io/path", "/actuator/prometheus");
		Container gateway = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
		EnvVar password = gateway.getEnv()
			.stream()
			.filter((env) -> env.getName().equals("SPRING_DATA_REDIS_PASSWORD"))
			.findFirst()
			.orElseThrow();
		assertThat(password.getValueFrom().getSecretKeyRef().getName()).isEqualTo("redis");
		assertThat(password.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("password");

		HorizontalPodAutoscaler hpa = rendered.one(HorizontalPodAutoscaler.class);
		assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(deployment.getMetadata().getName());
		assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(3);
		assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(12);
		assertThat(hpa.getSpec().getMetrics()).extracting((metric) -> metric.getResource().getName())
			.containsExactly("cpu", "memory");
		assertThat(hpa.getSpec().getBehavior().getScaleDown().getStabilizationWindowSeconds()).isEqualTo(900);

		NetworkPolicy policy = rendered.one(NetworkPolicy.class);
		assertThat(policy.getSpec().getPodSelector().getMatchLabels())
			.isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
		NetworkPolicyIngressRule publicPort = policy.getSpec().getIngress().get(0);
		assertThat(publicPort.getFrom()).as("the public port: anyone").isNullOrEmpty();
		assertThat(publicPort.getPorts()).extracting((port) -> port.getPort().getStrVal()).containsExactly("http");
		NetworkPolicyIngressRule management = policy.getSpec().getIngress().get(1);
		assertThat(management.getPorts()).extracting((port) -> port.getPort().getStrVal())
			.containsExactly("management");
		assertThat(management.getFrom()).singleElement()
			.satisfies((peer) -> assertThat(peer.getNamespaceSelector().getMatchLabels())
				.containsEntry("kubernetes.io/metadata.name", "monitoring"));

		PodDisruptionBudget pdb = rendered.one(PodDisruptionBudget.class);
		assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
		assertThat(pdb.getSpec().getSelector().getMatchLabels())
			.isEqualTo(deployment.getSpec().getSelector().getMatchLabels());

		Ingress ingress = rendered.one(Ingress.class);
		assertThat(ingress.getSpec().getIngressClassName()).isEqualTo("nginx");
		assertThat(ingress.getMetadata().getAnnotations())
			.containsEntry("nginx.ingress.kubernetes.io/proxy-read-timeout", "3600");
		assertThat(ingress.getSpec().getTls().get(0).getSecretName()).isEqualTo("ws-tls");
		assertThat(ingress.getSpec().getRules()).singleElement().satisfies((rule) -> {
			assertThat(rule.getHost()).isEqualTo("ws.example.com");
			assertThat(rule.getHttp().getPaths()).singleElement().satisfies((path) -> {
				assertThat(path.getBackend().getService().getName()).isEqualTo(FULLNAME);
				assertThat(path.getBackend().getService().getPort().getName()).isEqualTo("http");
			});
		});

		ServiceMonitor serviceMonitor = rendered.one(ServiceMonitor.class);
		assertThat(serviceMonitor.getMetadata().getLabels()).containsEntry("release", "kps");
		assertThat(rendered.one(Service.class).getMetadata().getLabels())
			.containsAllEntriesOf(serviceMonitor.getSpec().getSelector().getMatchLabels());
		assertThat(serviceMonitor.getSpec().getEndpoints()).singleElement().satisfies((endpoint) -> {
			assertThat(endpoint.getPort()).isEqualTo("management");
			assertThat(endpoint.getPath()).isEqualTo("/actuator/prometheus");
			assertThat(endpoint.getInterval()).isEqualTo("15s");
		});

		PrometheusRule rule = rendered.one(PrometheusRule.class);
		assertThat(rule.getMetadata().getLabels()).containsEntry("release", "kps");
		assertThat(rule.getSpec().getGroups()).extracting((group) -> group.getName())
			.containsExactly("switchboard.recording", "switchboard.alerts");
		assertThat(rule.getSpec().getGroups().get(1).getRules()).extracting(Rule::getAlert)
			.contains("SwitchboardUpgradeSuccessRatioLow", "SwitchboardNoBackendInstances");

		ConfigMap dashboard = rendered.all(ConfigMap.class)
			.stream()
			.filter((configMap) -> configMap.getMetadata().getName().endsWith("-grafana-dashboard"))
			.findFirst()
			.orElseThrow();
		assertThat(dashboard.getMetadata().getNamespace()).isEqualTo("monitoring");
		assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");

		Map<String, Object> config = applicationYml(rendered);
		assertThat((Object) at(config, "spring", "data", "redis", "host"))
			.isEqualTo("redis-master.data.svc.cluster.local");
		assertThat((Object) at(config, "spring", "data", "redis", "port")).isEqualTo(6379);
		assertThat((Object) at(config, "switchboard", "discovery", "dns", "services"))
			.isEqualTo(Map.of("chat", "chat-headless.chat.svc.cluster.local:8080"));
		assertThat((Object) at(config, "switchboard", "discovery", "dns", "refresh-interval")).isEqualTo("10s");
		assertThat((Object) at(config, "switchboard", "close-timeout")).isEqualTo("5s");
		assertThat((Object) at(config, "switchboard", "forwarded", "trusted-proxies")).isEqualTo(List.of("10.0.0.0/8"));
		assertThat((Object) at(config, "logging", "level", "dev.switchboard.tunnel")).isEqualTo("DEBUG");
		List<?> routes = at(routesYml(rendered), "spring", "cloud", "gateway", "server", "webflux", "routes");
		assertThat(routes).hasSize(1);
	}

	@Test
	void simpleDiscoveryListsTheInstancesForLoadBalancedRoutes() throws IOException {
		Map<String, Object> config = applicationYml(render("""
				discovery:
				  mode: simple
				  instances:
				    chat: [http://chat-0.chat:8080, http://chat-1.chat:8080]
				"""));
		assertThat((Object) at(config, "spring", "cloud", "discovery", "client", "simple", "instances", "chat"))
			.isEqualTo(List.of(Map.of("uri", "http://chat-0.chat:8080"), Map.of("uri", "http://chat-1.chat:8080")));
	}

	/**
	 * What the chart renders must be what the gateway reads: the application.yml of
	 * ALL_ENABLED starts a real gateway, every value bound where it belongs (a shape the
	 * properties can't take stops startup).
	 */
	@Test
	void theGatewayStartsWithTheRenderedConfigurationAndReadsEveryBlock() throws IOException {
		Rendered all = render(ALL_ENABLED);
		Path config = Files.createDirectories(this.valuesDir.resolve("config"));
		Files.writeString(config.resolve("application.yml"), new Yaml().dump(applicationYml(all)));
		Files.createDirectories(config.resolve("routes"));
		Files.writeString(config.resolve("routes").resolve("application.yml"), new Yaml().dump(routesYml(all)));
		try (ConfigurableApplicationContext gateway = new SpringApplicationBuilder(SwitchboardApplication.class,
				PrivateLoops.class)
			.run("--spring.config.additional-location=optional:file:" + config + "/,optional:file:" + config
					+ "/routes/", "--server.port=0", "--management.server.port=0")) {
			Environment environment = gateway.getEnvironment();
			DnsDiscoveryProperties dns = gateway.getBean(DnsDiscoveryProperties.class);
			assertThat(dns.getServices())
				.containsExactly(Map.entry("chat", "chat-headless.chat.svc.cluster.local:8080"));
			assertThat(dns.getRefreshInterval()).hasSeconds(10);
			assertThat(gateway.getBean(EdgeProperties.class).getEdgeIdleTimeout()).hasSeconds(3600);
			assertThat(environment.getProperty("spring.data.redis.host"))
				.isEqualTo("redis-master.data.svc.cluster.local");
			assertThat(environment.getProperty("spring.cloud.gateway.server.webflux.routes[0].id")).isNotNull();
			assertThat(environment.getProperty("logging.level.dev.switchboard.tunnel")).isEqualTo("DEBUG");
		}
	}

	@Test
	void prometheusRuleCarriesTheGroupsOfDeployMonitoringUnchanged() throws IOException {
		Rendered rendered = render("metrics: {prometheusRule: {enabled: true}}");
		Map<String, Object> source = new Yaml().load(Files.readString(MONITORING.resolve("prometheusrule.yaml")));
		Map<String, Object> packaged = new Yaml().load(rendered.raw(PrometheusRule.class));
		assertThat((Object) at(packaged, "spec", "groups")).isEqualTo(at(source, "spec", "groups"));
		// Prometheus' own templates reach Prometheus as written, not rendered (or
		// emptied) by Helm.
		assertThat(rendered.one(PrometheusRule.class)
			.getSpec()
			.getGroups()
			.get(1)
			.getRules()
			.get(0)
			.getAnnotations()
			.get("summary")).contains("{{ $labels.route }}").contains("{{ $value | humanizePercentage }}");
	}

	@Test
	void dashboardConfigMapCarriesTheDashboardByteForByte() throws IOException {
		ConfigMap dashboard = render("metrics: {grafanaDashboard: {enabled: true}}").all(ConfigMap.class)
			.stream()
			.filter((configMap) -> configMap.getMetadata().getName().equals(FULLNAME + "-grafana-dashboard"))
			.findFirst()
			.orElseThrow();
		assertThat(dashboard.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
		assertThat(dashboard.getData().get("switchboard.json"))
			.isEqualTo(Files.readString(MONITORING.resolve("grafana-dashboard.json")));
		// the same dashboard as the standalone ConfigMap of deploy/monitoring
		Map<String, Object> standalone = new Yaml()
			.load(Files.readString(MONITORING.resolve("grafana-dashboard-configmap.yaml")));
		assertThat(dashboard.getData()).isEqualTo(standalone.get("data"));
	}

	@Test
	void packagedMonitoringAssetsAreIdenticalToDeployMonitoring() throws IOException {
		for (String asset : PACKAGED_ASSETS) {
			assertThat(Files.readString(CHART.resolve("files").resolve(asset)))
				.as("helm/switchboard/files/%s differs from deploy/monitoring/%s (the source): copy it again", asset,
						asset)
				.isEqualTo(Files.readString(MONITORING.resolve(asset)));
		}
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', textBlock = """
			replicaCount: "two"                    | replicaCount
			replicas: 3                            | replicas
			service: {port: http}                  | port
			redis: {port: "6379"}                  | port
			discovery: {mode: consul}              | mode
			switchboard: {close-timeout: soon}     | close-timeout
			switchboard: {forwarded: {mode: xff}}  | mode
			switchboard: {idle-timout: 1h}         | idle-timout
			switchboard: {sticky: {enabeld: true}} | enabeld
			switchboard: {redis: {timeout: soon}}  | timeout
			routes: [{id: chat}]                   | uri
			discovery: {services: {chat: chat-headless}} | chat
			""")
	void schemaRejectsMistypedValues(String values, String reported) {
		assertThatThrownBy(() -> render(values))
			.hasMessageContaining("values don't meet the specifications of the schema")
			.hasMessageContaining(reported);
	}

	@Test
	void dockerfileBuildsInTwoStagesAndRunsAsTheChartsUser() throws IOException {
		List<String> instructions = dockerfileInstructions();
		List<String> from = withKeyword(instructions, "FROM");
		assertThat(from).hasSize(2);
		assertThat(from.get(0)).startsWith("eclipse-temurin:").endsWith(" AS builder");
		assertThat(from.get(1)).startsWith("eclipse-temurin:").contains("-jre");
		assertThat(withKeyword(instructions, "USER")).containsExactly("10001:10001");
		assertThat(withKeyword(instructions, "EXPOSE")).containsExactly("8080 9090");
		List<String> entrypoint = withKeyword(instructions, "ENTRYPOINT");
		assertThat(entrypoint).singleElement().satisfies((value) -> {
			assertThat(value).as("exec form").startsWith("[").endsWith("]");
			assertThat((Object) new Yaml().load(value)).isEqualTo(List.of("java", "-jar", "switchboard.jar"));
		});
		// layers from least to most often changed
		assertThat(withKeyword(instructions, "COPY").stream()
			.filter((copy) -> copy.startsWith("--from=builder"))
			.map((copy) -> copy.replaceAll(".*/extracted/([a-z-]+)/.*", "$1")))
			.containsExactly("dependencies", "spring-boot-loader", "snapshot-dependencies", "application");
		// the image's default JVM options are the chart's
		assertThat(withKeyword(instructions, "ENV")).contains("JAVA_TOOL_OPTIONS=\"" + DEFAULT_JVM_OPTIONS + "\"");
		// Java 25 with the AOT cache the runtime stage trains under load, on the
		// ENTRYPOINT's class path (the runtime's options, -XX:AOTCacheOutput instead of
		// -XX:AOTCache)
		assertThat(from.get(1)).startsWith("eclipse-temurin:25");
		assertThat(withKeyword(instructions, "RUN"))
			.anySatisfy(
					(run) -> assertThat(run).contains("aot-training.sh --app-dir /app --cache /app/app.aot")
						.contains("JAVA_TOOL_OPTIONS=\""
								+ DEFAULT_JVM_OPTIONS.replace(" -XX:AOTCache=/app/app.aot", "")
									.replace("-XX:MaxRAMPercentage=60", "-XX:MaxRAMPercentage=60 -XX:MaxRAM=1g")
								+ "\""));
		assertThat(Path.of("deploy/aot-training.sh")).exists();

		Deployment deployment = render("{}").one(Deployment.class);
		assertThat(
				deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getSecurityContext().getRunAsUser())
			.isEqualTo(10001L);
		assertThat(Path.of(".dockerignore")).exists();
	}

	/**
	 * Runs when dockerfilelint (npm) is on the PATH; see docs/deployment.md for
	 * installing it.
	 */
	@Test
	void dockerfilePassesDockerfilelint() throws Exception {
		Optional<Path> linter = onPath("dockerfilelint");
		RequiredTool.require(linter.isPresent(),
				"dockerfilelint is not on the PATH (npm install dockerfilelint); Dockerfile not linted");
		Process process = new ProcessBuilder(linter.get().toString(), "Dockerfile").redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes());
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(process.exitValue()).as(output).isZero();
	}

	// ---- helpers ----

	private Rendered render(String values) throws IOException {
		return render(CHART, values);
	}

	private Rendered render(Path chart, String values) throws IOException {
		Path file = Files.createTempFile(this.valuesDir, "values", ".yaml");
		Files.writeString(file, values);
		String manifests = new Helm(chart).template()
			.withName(RELEASE)
			.withNamespace(NAMESPACE)
			.withKubeVersion(KUBE_VERSION)
			.withValuesFile(file)
			.call();
		return Rendered.of(manifests);
	}

	private static void assertProbe(Probe probe, String path) {
		assertThat(probe).isNotNull();
		assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
		assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("management");
	}

	private static Map<String, String> env(Container container) {
		return container.getEnv()
			.stream()
			.filter((env) -> env.getValue() != null)
			.collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
	}

	private static String checksum(Rendered rendered) {
		return rendered.one(Deployment.class)
			.getSpec()
			.getTemplate()
			.getMetadata()
			.getAnnotations()
			.get("checksum/settings");
	}

	/** The settings ConfigMap's application.yml (empty map for an empty file). */
	private static Map<String, Object> applicationYml(Rendered rendered) {
		return configMapYml(rendered, FULLNAME);
	}

	/** The routes ConfigMap's application.yml. */
	private static Map<String, Object> routesYml(Rendered rendered) {
		return configMapYml(rendered, FULLNAME + "-routes");
	}

	private static Map<String, Object> configMapYml(Rendered rendered, String name) {
		ConfigMap configMap = rendered.all(ConfigMap.class)
			.stream()
			.filter((candidate) -> candidate.getMetadata().getName().equals(name))
			.findFirst()
			.orElseThrow();
		Map<String, Object> yml = new Yaml().load(configMap.getData().get("application.yml"));
		return (yml != null) ? yml : Map.of();
	}

	@SuppressWarnings("unchecked")
	private static <T> T at(Map<String, Object> root, String... path) {
		Object node = root;
		for (String key : path) {
			assertThat(node).as("parent of %s in %s", key, Arrays.toString(path)).isInstanceOf(Map.class);
			node = ((Map<String, Object>) node).get(key);
		}
		return (T) node;
	}

	/**
	 * The Dockerfile's instructions, continuation lines joined and comments dropped, as
	 * "KEYWORD args".
	 */
	private static List<String> dockerfileInstructions() throws IOException {
		List<String> instructions = new ArrayList<>();
		StringBuilder current = new StringBuilder();
		for (String line : Files.readAllLines(Path.of("Dockerfile"))) {
			String trimmed = line.trim();
			if (trimmed.startsWith("#") || trimmed.isEmpty()) {
				continue;
			}
			if (trimmed.endsWith("\\")) {
				current.append(trimmed, 0, trimmed.length() - 1).append(' ');
				continue;
			}
			instructions.add(current.append(trimmed).toString());
			current.setLength(0);
		}
		return instructions;
	}

	private static List<String> withKeyword(List<String> instructions, String keyword) {
		return instructions.stream()
			.filter((instruction) -> instruction.startsWith(keyword + " "))
			.map((instruction) -> instruction.substring(keyword.length() + 1).trim())
			.collect(Collectors.toList());
	}

	private static Optional<Path> onPath(String command) {
		return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
			.map((dir) -> Path.of(dir, command))
			.filter(Files::isExecutable)
			.findFirst();
	}

	/** helm template's output: each document as text and as a typed fabric8 resource. */
	record Rendered(List<String> documents, List<HasMetadata> resources) {

		static Rendered of(String manifests) {
			List<String> documents = DOCUMENT_SEPARATOR.splitAsStream(manifests)
				.filter((document) -> document.lines().anyMatch((line) -> !line.isBlank() && !line.startsWith("#")))
				.collect(Collectors.toList());
			List<HasMetadata> resources = documents.stream()
				.map((document) -> SERIALIZATION.unmarshal(document, HasMetadata.class))
				.collect(Collectors.toList());
			return new Rendered(documents, resources);
		}

		void saveAs(String name) throws IOException {
			Files.createDirectories(RENDERED);
			Files.writeString(RENDERED.resolve(name), String.join("\n---\n", this.documents));
		}

		List<String> kinds() {
			return this.resources.stream().map(HasMetadata::getKind).collect(Collectors.toList());
		}

		<T extends HasMetadata> List<T> all(Class<T> type) {
			return this.resources.stream().filter(type::isInstance).map(type::cast).collect(Collectors.toList());
		}

		<T extends HasMetadata> T one(Class<T> type) {
			List<T> found = all(type);
			assertThat(found).as("rendered %s", type.getSimpleName()).hasSize(1);
			return found.get(0);
		}

		String raw(Class<? extends HasMetadata> type) {
			one(type);
			for (int i = 0; i < this.resources.size(); i++) {
				if (type.isInstance(this.resources.get(i))) {
					return this.documents.get(i);
				}
			}
			throw new AssertionError(type);
		}

	}

}
