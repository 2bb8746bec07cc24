package dev.switchboard.metrics;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.tracing.Span;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.switchboard.ExchangeAttributes;
import dev.switchboard.InstanceKey;
import dev.switchboard.tracing.ServerSpans;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * The access-log line of every plain HTTP request, routed or not. WebSocket handshakes
 * that the tunnel took are logged by {@link AccessLog} instead (refused ones at once,
 * accepted ones when the tunnel ends).
 */
public class AccessLogWebFilter implements WebFilter, Ordered {

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		if (!AccessLog.enabled()) {
			return chain.filter(exchange);
		}
		long start = System.nanoTime();
		return chain.filter(exchange).doFinally((signal) -> {
			if (exchange.getAttribute(ExchangeAttributes.TUNNEL_HANDLED) != null) {
				return;
			}
			Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
			HttpStatusCode status = exchange.getResponse().getStatusCode();
			Map<String, Object> fields = new LinkedHashMap<>();
			fields.put("kind", "http");
			fields.put("route", (route != null) ? route.getId() : "-");
			fields.put("instance", instance(exchange));
			fields.put("client", client(exchange));
			fields.put("method", exchange.getRequest().getMethod().name());
			fields.put("path", exchange.getRequest().getPath().value());
			fields.put("upgrade_requested", false);
			fields.put("status", (status != null) ? status.value() : 0);
			fields.put("duration_ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
			Object sticky = exchange.getAttribute(ExchangeAttributes.STICKY_DECISION);
			if (sticky != null) {
				fields.put("sticky", sticky);
			}
			Span span = ServerSpans.of(exchange);
			AccessLog.trace(fields, (span != null) ? span.context() : null);
			AccessLog.emit("HTTP " + exchange.getRequest().getMethod().name(), fields);
		});
	}

	static String instance(ServerWebExchange exchange) {
		URI url = exchange.getAttribute(GATEWAY_REQUEST_URL_ATTR);
		return (url != null && url.getHost() != null) ? InstanceKey.of(url) : "-";
	}

	static String client(ServerWebExchange exchange) {
		InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
		return (remote != null && remote.getAddress() != null) ? remote.getAddress().getHostAddress() : "-";
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
