package dev.switchboard.balancer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Choosing among instances: round-robin among the least loaded, and rendezvous hashing.
 */
class InstanceChooserTest {

	static ServiceInstance instance(int port) {
		return new DefaultServiceInstance(null, "chat", "10.0.0.1", port, false);
	}

	static final List<ServiceInstance> THREE = List.of(instance(8081), instance(8082), instance(8083));

	@Test
	void withoutTunnelsTheChoiceGoesRoundTheInstances() {
		InstanceChooser chooser = new InstanceChooser(new BackendInstances(Duration.ofSeconds(1)));
		Map<Integer, Integer> counts = new HashMap<>();
		for (int i = 0; i < 30; i++) {
			counts.merge(chooser.leastTunnels(THREE).getPort(), 1, Integer::sum);
		}
		assertThat(counts).containsOnly(Map.entry(8081, 10), Map.entry(8082, 10), Map.entry(8083, 10));
	}

	@Test
	void rendezvousIsTheSameForTheSameKeyWhateverTheOrder() {
		List<ServiceInstance> reversed = new ArrayList<>(THREE);
		Collections.reverse(reversed);
		for (int i = 0; i < 100; i++) {
			assertThat(InstanceChooser.rendezvous("session-" + i, THREE))
				.isSameAs(InstanceChooser.rendezvous("session-" + i, reversed));
		}
	}

	@Test
	void rendezvousSpreadsKeysAndRemovingAnInstanceMovesOnlyItsKeys() {
		Map<Integer, Integer> counts = new HashMap<>();
		List<ServiceInstance> two = THREE.subList(0, 2);
		for (int i = 0; i < 3000; i++) {
			String key = "session-" + i;
			ServiceInstance before = InstanceChooser.rendezvous(key, THREE);
			counts.merge(before.getPort(), 1, Integer::sum);
			ServiceInstance after = InstanceChooser.rendezvous(key, two);
			if (before.getPort() != 8083) {
				assertThat(after).as(key + " stays where it was").isSameAs(before);
			}
		}
		assertThat(counts.values()).allSatisfy((count) -> assertThat(count).isBetween(850, 1150));
	}

	@Test
	void addingAnInstanceTakesItsShareOnly() {
		List<ServiceInstance> four = new ArrayList<>(THREE);
		four.add(instance(8084));
		int moved = 0;
		for (int i = 0; i < 3000; i++) {
			String key = "session-" + i;
			ServiceInstance after = InstanceChooser.rendezvous(key, four);
			if (after.getPort() != InstanceChooser.rendezvous(key, THREE).getPort()) {
				assertThat(after.getPort()).isEqualTo(8084);
				moved++;
			}
		}
		assertThat(moved).isBetween(600, 900);
	}

}
