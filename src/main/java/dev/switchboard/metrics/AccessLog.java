package dev.switchboard.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.tracing.TraceContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

import org.springframework.web.server.ServerWebExchange;

import dev.switchboard.ExchangeAttributes;
import dev.switchboard.tunnel.Tunnel;
import dev.switchboard.tunnel.TunnelListener;
import dev.switchboard.tunnel.TunnelOrigin;
import dev.switchboard.tunnel.TunnelSummary;
import dev.switchboard.upgrade.HandshakeOutcome;
import dev.switchboard.upgrade.HandshakeRecorder;

/**
 * One line per plain request, per refused handshake, and per tunnel when it ends, on the
 * logger {@code switchboard.access}. Fields go both into the message (readable text) and,
 * as SLF4J key-value pairs, into Spring Boot's structured formats, so with
 * {@code switchboard.access-log.format=json} each line is an ECS JSON document with every
 * field.
 */
public class AccessLog implements HandshakeRecorder, TunnelListener {

	public static final String LOGGER = "switchboard.access";

	private static final Logger logger = LoggerFactory.getLogger(LOGGER);

	@Override
	public void record(ServerWebExchange exchange, String routeId, HandshakeOutcome outcome, int status,
			long durationNanos) {
		if (outcome == HandshakeOutcome.SUCCESS || !logger.isInfoEnabled()) {
			return; // a successful handshake is logged with its tunnel, when that ends
		}
		Map<String, Object> fields = new LinkedHashMap<>();
		fields.put("kind", "handshake");
		fields.put("route", routeId);
		fields.put("instance", AccessLogWebFilter.instance(exchange));
		fields.put("client", AccessLogWebFilter.client(exchange));
		fields.put("method", exchange.getRequest().getMethod().name());
		fields.put("path", exchange.getRequest().getPath().value());
		fields.put("upgrade_requested", true);
		fields.put("upgraded", false);
		fields.put("status", status);
		fields.put("outcome", outcome.tag());
		String refusedBy = exchange.getAttribute(ExchangeAttributes.REFUSED_BY);
		if (refusedBy != null) {
			fields.put("refused_by", refusedBy);
		}
		fields.put("handshake_ms", TimeUnit.NANOSECONDS.toMillis(durationNanos));
		trace(fields, exchange.getAttribute(ExchangeAttributes.TRACE_CONTEXT));
		emit("WebSocket handshake " + outcome.tag(), fields);
	}

	@Override
	public void onOpen(Tunnel tunnel) {
	}

	@Override
	public void onClose(Tunnel tunnel, TunnelSummary summary) {
		if (!logger.isInfoEnabled()) {
			return;
		}
		TunnelOrigin origin = summary.origin();
		Map<String, Object> fields = new LinkedHashMap<>();
		fields.put("kind", "tunnel");
		fields.put("route", origin.routeId());
		fields.put("instance", origin.backendInstance());
		fields.put("client", origin.client());
		fields.put("upgrade_requested", true);
		fields.put("upgraded", true);
		fields.put("status", 101);
		fields.put("handshake_ms", TimeUnit.NANOSECONDS.toMillis(origin.handshakeNanos()));
		fields.put("tunnel_ms", TimeUnit.NANOSECONDS.toMillis(summary.durationNanos()));
		fields.put("bytes_to_backend", summary.bytesToBackend());
		fields.put("bytes_to_client", summary.bytesToClient());
		fields.put("messages_to_backend", summary.messagesToBackend());
		fields.put("messages_to_client", summary.messagesToClient());
		fields.put("close_code", summary.closeCode());
		fields.put("close_initiator", summary.initiator().tag());
		if (summary.gatewayReason() != null) {
			fields.put("close_reason", summary.gatewayReason().tag());
		}
		if (origin.stickyDecision() != null) {
			fields.put("sticky", origin.stickyDecision());
		}
		trace(fields, origin.trace());
		emit("WebSocket tunnel closed", fields);
	}

	/** The trace and span ids of a traced request, so a log line leads to its trace. */
	static void trace(Map<String, Object> fields, TraceContext trace) {
		if (trace != null) {
			fields.put("trace_id", trace.traceId());
			fields.put("span_id", trace.spanId());
		}
	}

	static void emit(String message, Map<String, Object> fields) {
		StringBuilder text = new StringBuilder(message);
		LoggingEventBuilder event = logger.atInfo();
		for (Map.Entry<String, Object> field : fields.entrySet()) {
			text.append(' ').append(field.getKey()).append('=').append(field.getValue());
			event = event.addKeyValue(field.getKey(), field.getValue());
		}
		event.log(text.toString());
	}

	static boolean enabled() {
		return logger.isInfoEnabled();
	}

}
