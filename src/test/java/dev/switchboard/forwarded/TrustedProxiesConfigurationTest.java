package dev.switchboard.forwarded;

import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Trusted proxies: what matches, and a bad entry stopping startup with the property
 * named.
 */
class TrustedProxiesConfigurationTest {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(WithProperties.class);

	@Test
	void aBadEntryNamesThePropertyAndTheFix() {
		this.runner.withPropertyValues("switchboard.forwarded.trusted-proxies=10.0.0.0/33")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("switchboard.forwarded.trusted-proxies: '10.0.0.0/33'")
				.hasMessageContaining("use CIDR notation"));
		this.runner.withPropertyValues("switchboard.forwarded.trusted-proxies=proxy.internal")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("host names are not allowed"));
	}

	@Test
	void rangesMatchByPrefix() throws Exception {
		TrustedProxies proxies = TrustedProxies.parse(List.of("10.0.0.0/8", "192.168.1.10", "fd00::/8"));
		assertThat(proxies.isTrusted(InetAddress.getByName("10.200.3.4"))).isTrue();
		assertThat(proxies.isTrusted(InetAddress.getByName("11.0.0.1"))).isFalse();
		assertThat(proxies.isTrusted(InetAddress.getByName("192.168.1.10"))).isTrue();
		assertThat(proxies.isTrusted(InetAddress.getByName("192.168.1.11"))).isFalse();
		assertThat(proxies.isTrusted(InetAddress.getByName("fd12::1"))).isTrue();
		assertThat(proxies.isTrusted(InetAddress.getByName("fe80::1"))).isFalse();
		assertThatIllegalArgumentException().isThrownBy(() -> TrustedProxies.parse(List.of("10.0.0.0/x")));
	}

	@Import(ForwardedConfiguration.class)
	static class WithProperties {

	}

}
