package dev.switchboard.upgrade;

import java.util.Base64;
import java.util.List;

import io.netty.channel.Channel;
import reactor.netty.Connection;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;

/**
 * Recognises WebSocket upgrade requests and checks them the way RFC 6455 section 4.2.1
 * asks, so a malformed handshake is answered at the edge and never reaches a backend.
 */
public final class UpgradeRequests {

	private UpgradeRequests() {
	}

	/**
	 * An upgrade is {@code Upgrade} listing the token {@code websocket} and
	 * {@code Connection} listing {@code upgrade}, case-insensitively, whatever else they
	 * list ({@code Connection: keep-alive, Upgrade}).
	 */
	public static boolean isWebSocketUpgrade(HttpHeaders headers) {
		return hasToken(headers.get(HttpHeaders.UPGRADE), "websocket")
				&& hasToken(headers.get(HttpHeaders.CONNECTION), "upgrade");
	}

	static boolean hasToken(List<String> values, String token) {
		if (values == null) {
			return false;
		}
		for (String value : values) {
			int start = 0;
			while (start <= value.length()) {
				int comma = value.indexOf(',', start);
				int end = (comma < 0) ? value.length() : comma;
				if (value.substring(start, end).trim().equalsIgnoreCase(token)) {
					return true;
				}
				start = end + 1;
			}
		}
		return false;
	}

	/** Why a handshake cannot be forwarded, or {@code null} when it can. */
	public static Rejection validate(ServerHttpRequest request) {
		if (request.getMethod() != HttpMethod.GET) {
			return new Rejection(HttpStatus.BAD_REQUEST,
					"WebSocket handshake must use GET, not " + request.getMethod());
		}
		HttpHeaders headers = request.getHeaders();
		String version = headers.getFirst("Sec-WebSocket-Version");
		if (!"13".equals((version != null) ? version.trim() : null)) {
			return new Rejection(HttpStatus.UPGRADE_REQUIRED, "Unsupported Sec-WebSocket-Version "
					+ ((version != null) ? "'" + version + "'" : "(missing)") + "; this gateway speaks version 13");
		}
		List<String> keys = headers.get("Sec-WebSocket-Key");
		if (keys == null || keys.size() != 1 || !isValidKey(keys.get(0))) {
			return new Rejection(HttpStatus.BAD_REQUEST, "Sec-WebSocket-Key must be one base64-encoded 16-byte value");
		}
		return null;
	}

	static boolean isValidKey(String key) {
		String trimmed = key.trim();
		if (trimmed.length() != 24) {
			return false;
		}
		try {
			return Base64.getDecoder().decode(trimmed).length == 16;
		}
		catch (IllegalArgumentException ex) {
			return false;
		}
	}

	/** The client's connection under a request. */
	public static Channel clientChannel(ServerHttpRequest request) {
		Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
		if (nativeRequest instanceof Connection connection) {
			return connection.channel();
		}
		throw new IllegalStateException(
				"Switchboard's tunnel needs the Reactor Netty server, not " + nativeRequest.getClass().getName());
	}

	/** A handshake the gateway answers itself. */
	public record Rejection(HttpStatus status, String reason) {
	}

}
