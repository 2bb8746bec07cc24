package dev.switchboard.balancer;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.cloud.client.ServiceInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * A group's instances from a DNS name's A records (here: localhost, from the hosts file).
 */
class DnsServiceInstanceListSupplierTest {

	@Test
	void theARecordsAreTheInstances() {
		DnsServiceInstanceListSupplier supplier = new DnsServiceInstanceListSupplier("chat", "localhost:8080",
				Duration.ofSeconds(5), null);
		try {
			List<ServiceInstance> instances = supplier.get().next().block(Duration.ofSeconds(10));
			assertThat(instances).singleElement().satisfies((instance) -> {
				assertThat(instance.getHost()).isEqualTo("127.0.0.1");
				assertThat(instance.getPort()).isEqualTo(8080);
				assertThat(instance.getServiceId()).isEqualTo("chat");
				assertThat(instance.isSecure()).isFalse();
			});
		}
		finally {
			supplier.destroy();
		}
	}

	@Test
	void aTargetWithoutPortIsRefused() {
		assertThatIllegalStateException()
			.isThrownBy(() -> new DnsServiceInstanceListSupplier("chat", "chat-headless", Duration.ofSeconds(5), null))
			.withMessageContaining("switchboard.discovery.dns.services.chat");
	}

}
