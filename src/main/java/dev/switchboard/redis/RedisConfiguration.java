package dev.switchboard.redis;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.resource.Delay;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Redis as Switchboard uses it: Spring Boot's Lettuce client
 * ({@code spring.data.redis.*}: standalone, Sentinel or Cluster), tuned so that Redis
 * failing never makes a request wait.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SwitchboardRedisProperties.class)
class RedisConfiguration {

	@Bean
	RedisCommands switchboardRedisCommands(LettuceConnectionFactory redis) {
		return new RedisCommands(redis);
	}

	/**
	 * Lettuce refuses commands at once while disconnected (instead of queueing them until
	 * a timeout), so a Redis outage is noticed by the first command and costs no request
	 * a wait; and it expires a command Redis does not answer after
	 * {@code switchboard.redis.timeout} on its own timer wheel, which costs a handshake
	 * far less than a Reactor {@code timeout()} (a task on a shared scheduler per
	 * command).
	 */
	@Bean
	LettuceClientOptionsBuilderCustomizer switchboardLettuceOptions(SwitchboardRedisProperties properties) {
		return (options) -> options.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
			.timeoutOptions(TimeoutOptions.builder().fixedTimeout(properties.getTimeout()).build());
	}

	/**
	 * Reconnects to a returning Redis within {@code max-reconnect-delay} (Lettuce's
	 * default waits up to 30 s).
	 */
	@Bean
	ClientResourcesBuilderCustomizer switchboardRedisReconnectDelay(SwitchboardRedisProperties properties) {
		Duration max = properties.getMaxReconnectDelay();
		return (resources) -> resources.reconnectDelay(
				Delay.exponential(Duration.ofMillis(Math.min(100, max.toMillis())), max, 2, TimeUnit.MILLISECONDS));
	}

	/**
	 * Lettuce records every command's latency into LatencyUtils histograms whenever
	 * LatencyUtils is on the class path (Micrometer brings it), for events nobody here
	 * listens to: Redis latency is measured where it matters
	 * ({@code switchboard.sticky.redis.latency}, traces when tracing is on).
	 */
	@Bean
	ClientResourcesBuilderCustomizer switchboardRedisNoLatencyCollector() {
		return (resources) -> resources.commandLatencyRecorder(CommandLatencyRecorder.disabled());
	}

}
