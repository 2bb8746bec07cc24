package dev.switchboard.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.context.annotation.Configuration;

import dev.switchboard.forwarded.ForwardedHeadersFilter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Configuration Switchboard cannot use stops the gateway at startup with a message that says what to
 * fix. Runs Switchboard's own configuration classes over the real property binding, without a server.
 */
class InvalidConfigurationTest {

	static final String ROUTE = "spring.cloud.gateway.server.webflux.routes[0].";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(GatewayPropertiesOnly.class, SettingsConfiguration.class)
		.withBean(ForwardedHeadersFilter.class, () -> null)
		.withPropertyValues(ROUTE + "id=chat", ROUTE + "uri=ws://127.0.0.1:9", ROUTE + "predicates[0]=Path=/chat");

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
			"metadata.switchboard.max-message-size=banana|Route 'chat': metadata.switchboard.max-message-size",
			"metadata.switchboard.max-mesage-size=1MB|Route 'chat': metadata.switchboard",
			"metadata.switchboard.connect-timeout=0s|metadata.switchboard.connect-timeout must be greater than zero",
			"metadata.switchboard.handshake-timeout=soon|Route 'chat': metadata.switchboard.handshake-timeout" })
	void aBadRouteOverrideNamesTheRouteAndTheKey(String property, String message) {
		this.runner.withPropertyValues(ROUTE + property)
			.run((context) -> assertThat(context).getFailure().satisfies((ex) -> assertThat(messages(ex)).contains(message)));
	}

	@Test
	void aNonPositiveGlobalLimitNamesTheProperty() {
		this.runner.withPropertyValues("switchboard.max-message-size=0")
			.run((context) -> assertThat(context).getFailure()
				.satisfies((ex) -> assertThat(messages(ex)).contains("switchboard.max-message-size must be greater than zero")));
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

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(GatewayProperties.class)
	static class GatewayPropertiesOnly {

	}

}
