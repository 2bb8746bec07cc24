package dev.switchboard.upgrade;

import java.net.URI;
import java.util.List;
import java.util.Map;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;

import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.PRESERVE_HOST_HEADER_ATTRIBUTE;

/**
 * The handshake's headers for the backend: the gateway's header filters have run
 * (hop-by-hop headers removed, forwarded headers added);
 * {@code Upgrade}/{@code Connection} are put back, spelled as the route asks, because
 * this hop's upgrade is meant. The client's {@code Sec-WebSocket-*} headers pass
 * unchanged, so the backend's accept key, subprotocol and extensions answer the client's
 * own offer.
 */
final class UpstreamHeaders {

	private UpstreamHeaders() {
	}

	// Fully qualified: Spring's HttpHeaders is imported.
	static io.netty.handler.codec.http.HttpHeaders of(HttpHeaders filtered, ServerWebExchange exchange, URI backend,
			HandshakeSettings settings) {
		DefaultHttpHeaders headers = new DefaultHttpHeaders();
		for (Map.Entry<String, List<String>> entry : filtered.headerSet()) {
			headers.add(entry.getKey(), entry.getValue());
		}
		headers.remove(HttpHeaderNames.CONTENT_LENGTH);
		headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
		if (!Boolean.TRUE.equals(exchange.getAttribute(PRESERVE_HOST_HEADER_ATTRIBUTE))
				|| !headers.contains(HttpHeaderNames.HOST)) {
			headers.set(HttpHeaderNames.HOST,
					(backend.getPort() > 0) ? backend.getHost() + ":" + backend.getPort() : backend.getHost());
		}
		headers.set(HttpHeaderNames.UPGRADE, settings.upgradeHeaderValue());
		headers.set(HttpHeaderNames.CONNECTION, settings.connectionHeaderValue());
		return headers;
	}

}
