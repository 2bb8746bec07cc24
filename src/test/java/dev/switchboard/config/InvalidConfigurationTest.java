package dev.switchboard.config;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.FilterType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Configuration Switchboard cannot use stops the gateway at startup with a message that
 * says what to fix. Runs the settings, edge, tunnel and handshake configuration over the
 * real property binding, without a server.
 */
class InvalidConfigurationTest {

	static final String ROUTE = "spring.cloud.gateway.server.webflux.routes[0].";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(SettingsOfTheTunnel.class)
		.withBean(SimpleMeterRegistry.class)
		.withPropertyValues(ROUTE + "id=chat", ROUTE + "uri=ws://127.0.0.1:9", ROUTE + "predicates[0]=Path=/chat");

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
			"metadata.switchboard.max-message-size=banana|Route 'chat': metadata.switchboard.max-message-size",
			"metadata.switchboard.max-mesage-size=1MB|Route 'chat': metadata.switchboard.max-mesage-size is not a per-route setting; did you mean 'switchboard.max-message-size'?",
			"metadata.switchboard.connect-timeout=0s|metadata.switchboard.connect-timeout must be greater than zero",
			"metadata.switchboard.handshake-timeout=soon|Route 'chat': metadata.switchboard.handshake-timeout",
			"metadata.switchboard.client-header-timeout=1s|metadata.switchboard.client-header-timeout cannot be set per route",
			"metadata.switchboard.allowed-origins=chat.example.com|metadata.switchboard.allowed-origins[0] (chat.example.com) must be scheme://host[:port]",
			"metadata.switchboard.allowed-origins=https://chat.example.com/app|metadata.switchboard.allowed-origins[0] (https://chat.example.com/app) must be scheme://host[:port], e.g. https://chat.example.com (no path, query or user)",
			"metadata.switchboard.allowed-origins=https://*chat.example.com|(a wildcard only as the whole first label: https://*.example.com)",
			"metadata.switchboard.missing-origin=sometimes|Route 'chat': metadata.switchboard.missing-origin",
			"metadata.switchboard.max-buffered-bytes=8KB|metadata.switchboard.max-buffered-bytes (8192B) must be at least 16KB",
			"metadata.switchboard.auth=jwt|metadata.switchboard.auth is jwt but neither metadata.switchboard.jwt-issuer-uri nor metadata.switchboard.jwt-jwk-set-uri is set",
			"metadata.switchboard.auth=maybe|Route 'chat': metadata.switchboard.auth" })
	void aBadRouteOverrideNamesTheRouteAndTheKey(String property, String message) {
		this.runner.withPropertyValues(ROUTE + property)
			.run((context) -> assertThat(context).getFailure()
				.satisfies((ex) -> assertThat(messages(ex)).contains(message)));
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
			"switchboard.idle-timout=2h|switchboard.idle-timout is not a Switchboard property; did you mean 'switchboard.idle-timeout'?",
			"switchboard.sticky.enabeld=true|switchboard.sticky.enabeld is not a Switchboard property; did you mean 'switchboard.sticky.enabled'?",
			"switchboard.sticky.redis.timeout=1s|switchboard.sticky.redis.timeout has been renamed switchboard.redis.timeout",
			"switchboard.made-up=1|switchboard.made-up is not a Switchboard property" })
	void aMisspeltGlobalPropertyNamesTheNearestValidOne(String property, String message) {
		this.runner.withPropertyValues(property)
			.run((context) -> assertThat(context).getFailure()
				.satisfies((ex) -> assertThat(messages(ex)).contains(message)));
	}

	@Test
	void mapAndListEntriesAreKnown() {
		this.runner
			.withPropertyValues("switchboard.discovery.dns.services.chat=chat:8080",
					"switchboard.forwarded.trusted-proxies[0]=10.0.0.0/8")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void aNonPositiveGlobalLimitNamesTheProperty() {
		this.runner.withPropertyValues("switchboard.max-message-size=0")
			.run((context) -> assertThat(context).getFailure()
				.satisfies((ex) -> assertThat(messages(ex))
					.contains("switchboard.max-message-size must be greater than zero")));
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
			"switchboard.heartbeat-interval=1h|switchboard.heartbeat-interval (PT1H) must be shorter than switchboard.idle-timeout (PT1H)",
			"switchboard.heartbeat-timeout=30s|switchboard.heartbeat-timeout (PT30S) must be greater than zero and shorter than switchboard.heartbeat-interval (PT30S)",
			"switchboard.edge-idle-timeout=35s|switchboard.heartbeat-interval (PT30S) must be at most 75% of switchboard.edge-idle-timeout (PT35S)",
			"switchboard.idle-timeout=-1s|switchboard.idle-timeout must not be negative" })
	void idlePolicyThatCannotWorkStopsStartupNamingTheProperties(String property, String message) {
		this.runner.withPropertyValues(property)
			.run((context) -> assertThat(context).getFailure()
				.satisfies((ex) -> assertThat(messages(ex)).contains(message)));
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
			"switchboard.max-messages-per-second=-1|switchboard.max-messages-per-second must not be negative",
			"switchboard.max-bytes-per-second=-1|switchboard.max-bytes-per-second must not be negative",
			"switchboard.rate-limit-burst=0s|switchboard.rate-limit-burst must be greater than zero",
			"switchboard.max-messages-per-second=5;switchboard.rate-limit-burst=100ms|switchboard.max-messages-per-second (5) times switchboard.rate-limit-burst (PT0.1S) must allow at least one message",
			"switchboard.max-bytes-per-second=1MB|switchboard.max-bytes-per-second (1048576 bytes) times switchboard.rate-limit-burst (PT1S) must be at least switchboard.max-message-size (16777216 bytes)",
			"spring.cloud.gateway.server.webflux.routes[0].metadata.switchboard.max-bytes-per-second=1MB|Route 'chat': metadata.switchboard.max-bytes-per-second (1048576 bytes)" })
	void rateLimitsThatCannotWorkStopStartupNamingTheProperties(String properties, String message) {
		this.runner.withPropertyValues(properties.split(";"))
			.run((context) -> assertThat(context).getFailure()
				.satisfies((ex) -> assertThat(messages(ex)).contains(message)));
	}

	@Test
	void aRateLimitWhoseBurstHoldsTheLargestMessageStarts() {
		this.runner
			.withPropertyValues(ROUTE + "metadata.switchboard.max-bytes-per-second=1MB",
					ROUTE + "metadata.switchboard.max-message-size=1MB",
					ROUTE + "metadata.switchboard.max-messages-per-second=10")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void aRouteOverrideOfTheIdlePolicyIsCheckedToo() {
		this.runner.withPropertyValues(ROUTE + "metadata.switchboard.heartbeat-interval=2h")
			.run((context) -> assertThat(context).getFailure()
				.satisfies((ex) -> assertThat(messages(ex))
					.contains("Route 'chat': metadata.switchboard.heartbeat-interval (PT2H)")));
	}

	@Test
	void anEdgeTimeoutComfortablyAboveTheHeartbeatStarts() {
		this.runner.withPropertyValues("switchboard.edge-idle-timeout=60s")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void aValidOverrideStarts() {
		this.runner.withPropertyValues(ROUTE + "metadata.switchboard.max-message-size=1MB")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	static String messages(Throwable ex) {
		StringBuilder all = new StringBuilder();
		for (Throwable t = ex; t != null; t = t.getCause()) {
			all.append(t.getMessage()).append('\n');
		}
		return all.toString();
	}

	/**
	 * Switchboard's configuration of the settings, the edge, the tunnel, the handshake
	 * and its policies (origin, authentication), and nothing else.
	 */
	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(GatewayProperties.class)
	@ComponentScan(
			basePackages = { "dev.switchboard.config", "dev.switchboard.edge", "dev.switchboard.tunnel",
					"dev.switchboard.upgrade", "dev.switchboard.policy", "dev.switchboard.auth" },
			useDefaultFilters = false,
			includeFilters = @ComponentScan.Filter(type = FilterType.ANNOTATION, classes = Configuration.class),
			excludeFilters = @ComponentScan.Filter(type = FilterType.ASSIGNABLE_TYPE,
					classes = SettingsOfTheTunnel.class))
	static class SettingsOfTheTunnel {

	}

}
