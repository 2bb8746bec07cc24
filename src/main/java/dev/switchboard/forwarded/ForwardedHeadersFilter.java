package dev.switchboard.forwarded;

import java.net.InetSocketAddress;
import java.util.Locale;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

import dev.switchboard.forwarded.ForwardedProperties.Mode;

/**
 * Tells backends who the client is: {@code X-Forwarded-For/-Proto/-Host/-Port} and/or RFC
 * 7239 {@code Forwarded}, for plain HTTP and WebSocket handshakes alike. Headers that
 * arrive with the request are extended only when the direct peer is a trusted proxy; from
 * anyone else they are replaced, so a client cannot claim another address.
 *
 * Spring Cloud Gateway's own forwarded filters add nothing at all for untrusted peers;
 * backends should always learn the client's address, hence this filter.
 */
public class ForwardedHeadersFilter implements HttpHeadersFilter, Ordered {

	static final String X_FORWARDED_FOR = ClientOrigin.X_FORWARDED_FOR;

	static final String X_FORWARDED_PROTO = ClientOrigin.X_FORWARDED_PROTO;

	static final String X_FORWARDED_HOST = "X-Forwarded-Host";

	static final String X_FORWARDED_PORT = "X-Forwarded-Port";

	static final String FORWARDED = "Forwarded";

	private final Mode mode;

	private final ClientOrigin origin;

	public ForwardedHeadersFilter(Mode mode, ClientOrigin origin) {
		this.mode = mode;
		this.origin = origin;
	}

	/** Last, after the gateway's own filters have removed what they remove. */
	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
		ServerHttpRequest request = exchange.getRequest();
		HttpHeaders original = request.getHeaders();
		HttpHeaders updated = new HttpHeaders();
		input.forEach((name, values) -> {
			String lower = name.toLowerCase(Locale.ROOT);
			if (!lower.startsWith("x-forwarded-") && !lower.equals("forwarded")) {
				updated.addAll(name, values);
			}
		});
		if (this.mode == Mode.NONE) {
			return updated;
		}
		InetSocketAddress remote = request.getRemoteAddress();
		boolean trusted = this.origin.fromTrustedProxy(request);
		String clientIp = (remote != null && remote.getAddress() != null) ? remote.getAddress().getHostAddress() : null;
		String proto = (request.getSslInfo() != null) ? "https" : "http";
		String host = original.getFirst(HttpHeaders.HOST);
		String port = String.valueOf(localPort(exchange, proto));

		if (this.mode == Mode.X_FORWARDED || this.mode == Mode.BOTH) {
			String priorFor = trusted ? original.getFirst(X_FORWARDED_FOR) : null;
			if (clientIp != null) {
				updated.set(X_FORWARDED_FOR, (priorFor != null) ? priorFor + ", " + clientIp : clientIp);
			}
			updated.set(X_FORWARDED_PROTO, trustedOr(trusted, original, X_FORWARDED_PROTO, proto));
			String forwardedHost = trustedOr(trusted, original, X_FORWARDED_HOST, host);
			if (forwardedHost != null) {
				updated.set(X_FORWARDED_HOST, forwardedHost);
			}
			updated.set(X_FORWARDED_PORT, trustedOr(trusted, original, X_FORWARDED_PORT, port));
		}
		if (this.mode == Mode.FORWARDED || this.mode == Mode.BOTH) {
			StringBuilder element = new StringBuilder();
			if (clientIp != null) {
				element.append("for=").append(nodeName(clientIp));
			}
			element.append((element.length() > 0) ? ";" : "").append("proto=").append(proto);
			if (host != null) {
				element.append(";host=\"").append(host.replace("\"", "")).append('"');
			}
			String prior = trusted ? original.getFirst(FORWARDED) : null;
			updated.set(FORWARDED, (prior != null) ? prior + ", " + element : element.toString());
		}
		return updated;
	}

	private static String trustedOr(boolean trusted, HttpHeaders original, String name, String own) {
		String prior = trusted ? original.getFirst(name) : null;
		return (prior != null) ? prior : own;
	}

	private static int localPort(ServerWebExchange exchange, String proto) {
		InetSocketAddress local = exchange.getRequest().getLocalAddress();
		if (local != null) {
			return local.getPort();
		}
		return "https".equals(proto) ? 443 : 80;
	}

	/** RFC 7239: IPv6 addresses are quoted and bracketed. */
	private static String nodeName(String ip) {
		return ip.contains(":") ? "\"[" + ip + "]\"" : ip;
	}

}
