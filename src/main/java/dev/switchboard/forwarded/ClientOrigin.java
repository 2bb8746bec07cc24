package dev.switchboard.forwarded;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Locale;

import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * What the gateway believes about where a request came from: the direct peer's word (its
 * address, TLS on the connection) always; what forwarded headers claim only from a
 * trusted proxy ({@code switchboard.forwarded.trusted-proxies}). The one place that
 * decides whose headers count.
 */
public final class ClientOrigin {

	static final String X_FORWARDED_FOR = "X-Forwarded-For";

	static final String X_FORWARDED_PROTO = "X-Forwarded-Proto";

	private final TrustedProxies trustedProxies;

	public ClientOrigin(TrustedProxies trustedProxies) {
		this.trustedProxies = trustedProxies;
	}

	/**
	 * Whether the direct peer is a trusted proxy, whose forwarded headers are believed.
	 */
	public boolean fromTrustedProxy(ServerHttpRequest request) {
		InetSocketAddress remote = request.getRemoteAddress();
		return remote != null && this.trustedProxies.isTrusted(remote.getAddress());
	}

	/**
	 * Whether the client came over TLS: to this gateway directly, or to a trusted proxy
	 * in front that says so ({@code X-Forwarded-Proto: https}, or {@code proto=https} in
	 * {@code Forwarded}).
	 */
	public boolean isSecure(ServerHttpRequest request) {
		if (request.getSslInfo() != null) {
			return true;
		}
		if (!fromTrustedProxy(request)) {
			return false;
		}
		HttpHeaders headers = request.getHeaders();
		String proto = headers.getFirst(X_FORWARDED_PROTO);
		if (proto != null) {
			return "https".equalsIgnoreCase(firstElement(proto));
		}
		String forwarded = headers.getFirst("Forwarded");
		if (forwarded != null) {
			for (String pair : firstElement(forwarded).split(";")) {
				String trimmed = pair.trim().toLowerCase(Locale.ROOT);
				if (trimmed.startsWith("proto=")) {
					return trimmed.substring(6).replace("\"", "").equals("https");
				}
			}
		}
		return false;
	}

	/**
	 * The client's address: the direct peer's, or, from a trusted proxy, the right-most
	 * address of {@code X-Forwarded-For} that is not itself a trusted proxy (entries to
	 * its left are whatever the client claimed).
	 */
	public String clientAddress(ServerHttpRequest request) {
		InetSocketAddress remote = request.getRemoteAddress();
		String peer = (remote != null && remote.getAddress() != null) ? remote.getAddress().getHostAddress() : "-";
		String forwardedFor = fromTrustedProxy(request) ? request.getHeaders().getFirst(X_FORWARDED_FOR) : null;
		if (forwardedFor == null) {
			return peer;
		}
		String[] hops = forwardedFor.split(",");
		for (int i = hops.length - 1; i >= 0; i--) {
			String hop = hops[i].trim();
			InetAddress address = TrustedProxies.ipLiteral(hop);
			if (address == null) {
				return peer;
			}
			if (i == 0 || !this.trustedProxies.isTrusted(address)) {
				return address.getHostAddress();
			}
		}
		return peer;
	}

	/** The first (client-most) element of a comma-separated list. */
	private static String firstElement(String value) {
		int comma = value.indexOf(',');
		return ((comma < 0) ? value : value.substring(0, comma)).trim();
	}

}
