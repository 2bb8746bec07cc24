package dev.switchboard.sticky;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

import dev.switchboard.metrics.SwitchboardMeters;
import dev.switchboard.redis.RedisCommands;
import dev.switchboard.support.TestBackend;
import dev.switchboard.support.UnresponsivePorts;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A gateway with sticky routes opens its Redis connection before it reports ready, so the
 * first sessions do not pay for connecting; a Redis that does not answer delays startup
 * by a bounded time only (four Redis timeouts), and sticky routing starts without it.
 */
class RedisStartupTest {

	static final TestBackend backend = new TestBackend("a");

	@Test
	void theConnectionIsOpenAndWarmWhenTheGatewayIsUp() throws Exception {
		RedisServer redis = StickyGateway.startRedis();
		try (StickyGateway gateway = new StickyGateway(args(redis.ports().get(0)))) {
			assertThat(gateway.bean(RedisCommands.class).isOpen()).isTrue();
			assertThat(gateway.ws("/chat/ws/whoami", null).body()).isEqualTo("a");
			assertThat(gateway.meter(SwitchboardMeters.STICKY_DECISIONS, "route", "chat", "decision", "new"))
				.as("the first session is recorded in Redis, not routed around it")
				.isEqualTo(1);
		}
		finally {
			redis.stop();
		}
	}

	@Test
	void aRedisThatNeverAnswersDelaysStartupByTheBoundOnly() throws Exception {
		long start = System.nanoTime();
		List<String> args = args(UnresponsivePorts.blackhole());
		args.add("--switchboard.redis.timeout=250ms");
		try (StickyGateway gateway = new StickyGateway(args)) {
			assertThat(Duration.ofNanos(System.nanoTime() - start)).as("startup, Redis wait bounded by 4 x 250 ms")
				.isLessThan(Duration.ofSeconds(15));
			assertThat(gateway.bean(RedisCommands.class).isOpen()).isFalse();
			assertThat(gateway.ws("/chat/ws/whoami", null).body()).isEqualTo("a");
		}
		assertThat(Duration.ofNanos(System.nanoTime() - start)).as("start, serve and stop, Redis unreachable")
			.isLessThan(Duration.ofSeconds(20));
	}

	private static List<String> args(int redisPort) {
		List<String> args = StickyGateway.baseArgs(redisPort);
		args.addAll(StickyGateway.instances("chat", backend.port()));
		args.addAll(StickyGateway.stickyRoute(0, "chat", "chat", "/chat", Map.of()));
		return args;
	}

}
