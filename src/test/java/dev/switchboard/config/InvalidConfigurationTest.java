package dev.switchboard.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import dev.switchboard.SwitchboardApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Configuration Switchboard cannot use stops the gateway at startup with a message that says what to fix. */
class InvalidConfigurationTest {

	static final String ROUTE = "spring.cloud.gateway.server.webflux.routes[0].";

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
			"metadata.switchboard.max-message-size=banana|Route 'chat': metadata.switchboard.max-message-size",
			"metadata.switchboard.max-mesage-size=1MB|Route 'chat': metadata.switchboard",
			"metadata.switchboard.connect-timeout=0s|metadata.switchboard.connect-timeout must be greater than zero",
			"metadata.switchboard.handshake-timeout=soon|Route 'chat': metadata.switchboard.handshake-timeout" })
	void aBadRouteOverrideNamesTheRouteAndTheKey(String property, String message) {
		assertThatThrownBy(() -> start(ROUTE + property)).satisfies((ex) -> assertThat(messages(ex)).contains(message));
	}

	@Test
	void aBadTrustedProxyNamesTheProperty() {
		assertThatThrownBy(() -> start("switchboard.forwarded.trusted-proxies=10.0.0.0/33"))
			.satisfies((ex) -> assertThat(messages(ex)).contains("switchboard.forwarded.trusted-proxies: '10.0.0.0/33'"));
		assertThatThrownBy(() -> start("switchboard.forwarded.trusted-proxies=proxy.internal"))
			.satisfies((ex) -> assertThat(messages(ex)).contains("host names are not allowed"));
	}

	@Test
	void aNonPositiveGlobalLimitNamesTheProperty() {
		assertThatThrownBy(() -> start("switchboard.max-message-size=0"))
			.satisfies((ex) -> assertThat(messages(ex)).contains("switchboard.max-message-size must be greater than zero"));
	}

	@Test
	void aValidOverrideStarts() {
		try (ConfigurableApplicationContext context = start(ROUTE + "metadata.switchboard.max-message-size=1MB")) {
			assertThat(context.isRunning()).isTrue();
		}
	}

	private static ConfigurableApplicationContext start(String property) {
		// Command-line arguments, so they win over application.yml as in production.
		return new SpringApplicationBuilder(SwitchboardApplication.class).run("--server.port=0", "--" + ROUTE + "id=chat",
				"--" + ROUTE + "uri=ws://127.0.0.1:9", "--" + ROUTE + "predicates[0]=Path=/chat", "--" + property);
	}

	private static String messages(Throwable ex) {
		StringBuilder all = new StringBuilder();
		for (Throwable t = ex; t != null; t = t.getCause()) {
			all.append(t.getMessage()).append('\n');
		}
		return all.toString();
	}

}
