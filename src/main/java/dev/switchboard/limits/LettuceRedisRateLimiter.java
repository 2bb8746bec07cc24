package dev.switchboard.limits;

import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.ratelimit.RedisRateLimiter;
import org.springframework.cloud.gateway.route.RouteDefinitionRouteLocator;
import org.springframework.cloud.gateway.support.ConfigurationService;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

import dev.switchboard.redis.LuaScript;
import dev.switchboard.redis.RedisCommands;

/**
 * Spring Cloud Gateway's Redis rate limiter, unchanged in what it decides: its own token
 * bucket script, keys, configuration ({@code redis-rate-limiter.*} filter arguments and
 * properties) and {@code X-RateLimit-*} headers. Only the round trip differs: the script
 * runs through the gateway's asynchronous Lettuce connection ({@link RedisCommands})
 * instead of Spring Data's reactive template, whose per-call connection lookup,
 * serialization and publishers cost a handshake about as much CPU as the rest of the
 * policies together (bench/policy.sh). Like the original, it lets requests through when
 * Redis does not answer, logging that once per outage rather than per request.
 */
class LettuceRedisRateLimiter extends RedisRateLimiter {

	private static final Log logger = LogFactory.getLog(LettuceRedisRateLimiter.class);

	private final RedisCommands redis;

	private final LuaScript script;

	private volatile boolean failing;

	LettuceRedisRateLimiter(ReactiveStringRedisTemplate template, RedisScript<List<Long>> script,
			ConfigurationService configurationService, RedisCommands redis) {
		super(template, script, configurationService);
		this.redis = redis;
		this.script = LuaScript.of(script.getScriptAsString());
	}

	@Override
	public Mono<Response> isAllowed(String routeId, String id) {
		Config config = getConfig().get(routeId);
		if (config == null) {
			config = getConfig().get(RouteDefinitionRouteLocator.DEFAULT_FILTERS);
		}
		if (config == null) {
			// Spring Cloud Gateway's own answer to a route without configuration.
			return super.isAllowed(routeId, id);
		}
		Config route = config;
		// The keys Spring Cloud Gateway's limiter uses (one hash slot: Cluster works), so
		// replicas of either kind share one bucket per client and route.
		String prefix = "request_rate_limiter.{" + routeId + "." + id + "}.";
		String[] keys = { prefix + "tokens", prefix + "timestamp" };
		return Mono
			.fromCompletionStage(
					() -> this.redis.scriptList(this.script, keys, Double.toString(route.getReplenishRate()),
							Long.toString(route.getBurstCapacity()), "", Integer.toString(route.getRequestedTokens())))
			.map((answer) -> {
				recovered();
				return new Response(((Long) answer.get(0)) == 1L, getHeaders(route, (Long) answer.get(1)));
			})
			.onErrorResume((ex) -> {
				failed(ex);
				return Mono.just(new Response(true, getHeaders(route, -1L)));
			});
	}

	private void failed(Throwable ex) {
		if (!this.failing) {
			this.failing = true;
			logger.warn("The rate limiter lets requests through until Redis answers again (" + ex + ")");
		}
	}

	private void recovered() {
		if (this.failing) {
			this.failing = false;
			logger.info("Redis answers again: the rate limiter limits again");
		}
	}

}
