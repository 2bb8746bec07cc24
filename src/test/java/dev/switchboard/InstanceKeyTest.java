package dev.switchboard;

import java.net.URI;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.cloud.client.DefaultServiceInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One backend instance has one name, however its route or discovery spelled it: metric
 * tags, access-log lines, passive health and drains all agree, and a URI without a port
 * never becomes {@code host:-1}.
 */
class InstanceKeyTest {

	@ParameterizedTest
	@CsvSource({ "ws://chat, chat:80", "http://chat, chat:80", "wss://chat, chat:443", "https://chat, chat:443",
			"WSS://chat, chat:443", "ws://chat:8080, chat:8080", "https://10.0.0.7:8443/path?q, 10.0.0.7:8443" })
	void aUriIsNamedHostAndPort(String uri, String key) {
		assertThat(InstanceKey.of(URI.create(uri))).isEqualTo(key);
	}

	@ParameterizedTest
	@CsvSource({ "-1, false, chat:80", "-1, true, chat:443", "8080, false, chat:8080", "8443, true, chat:8443" })
	void aDiscoveredInstanceIsNamedHostAndPort(int port, boolean secure, String key) {
		assertThat(InstanceKey.of(new DefaultServiceInstance("chat-1", "chat", "chat", port, secure))).isEqualTo(key);
	}

}
