package dev.switchboard.balancer;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Passive health: an instance that refused a connection is left out for the ejection
 * period, then back.
 */
class BackendInstancesTest {

	@Test
	void anEjectedInstanceIsLeftOutForTheEjectionPeriod() {
		BackendInstances instances = new BackendInstances(Duration.ofMinutes(1));
		instances.eject("10.0.0.1:8080", "connection refused");
		assertThat(instances.isEjected("10.0.0.1:8080")).isTrue();
		assertThat(instances.isUsable("10.0.0.1:8080")).isFalse();
		assertThat(instances.isUsable("10.0.0.2:8080")).isTrue();
	}

	@Test
	void anEjectedInstanceComesBackAfterTheEjectionPeriod() {
		BackendInstances instances = new BackendInstances(Duration.ofMillis(200));
		instances.eject("10.0.0.1:8080", "connection refused");
		await("the instance is back").atMost(Duration.ofSeconds(5)).until(() -> instances.isUsable("10.0.0.1:8080"));
		assertThat(instances.isEjected("10.0.0.1:8080")).isFalse();
	}

	@Test
	void aDrainingInstanceIsNotUsableUntilTheMarkIsCleared() {
		BackendInstances instances = new BackendInstances(Duration.ofMinutes(1));
		instances.setDraining("10.0.0.1:8080", true);
		assertThat(instances.isUsable("10.0.0.1:8080")).isFalse();
		instances.setDraining("10.0.0.1:8080", false);
		assertThat(instances.isUsable("10.0.0.1:8080")).isTrue();
	}

}
