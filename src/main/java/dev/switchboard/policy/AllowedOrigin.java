package dev.switchboard.policy;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One entry of an origin allow-list, or an Origin header's value, in the form browsers
 * send ({@code scheme://host[:port]}, RFC 6454), compared after normalising: scheme and
 * host lower-cased, a scheme's default port made explicit, a trailing slash ignored.
 *
 * @param scheme the scheme, lower-cased
 * @param host the host, lower-cased; for a wildcard entry the part after {@code *.}
 * @param port the port, the scheme's default when left out (-1 for a scheme without one)
 * @param wildcard whether the entry stands for any subdomain of {@code host}
 */
record AllowedOrigin(String scheme, String host, int port, boolean wildcard) {

	private static final String FORM = "must be scheme://host[:port], e.g. https://chat.example.com";

	private static final Pattern SCHEME = Pattern.compile("[a-z][a-z0-9+.-]*");

	private static final Pattern HOST = Pattern.compile("[a-z0-9.-]+|\\[[0-9a-f:.]+\\]");

	private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");

	/**
	 * Parses an allow-list entry.
	 * @throws IllegalArgumentException saying what is wrong with it
	 */
	static AllowedOrigin parse(String entry) {
		AllowedOrigin origin = parseOrigin(entry, true);
		if (origin == null) {
			throw new IllegalArgumentException(FORM);
		}
		return origin;
	}

	/**
	 * Parses an Origin header, or returns null for one that names no origin a browser
	 * page could have ({@code null} from sandboxed frames and files, garbage).
	 */
	static AllowedOrigin ofHeader(String value) {
		try {
			return parseOrigin(value, false);
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

	/** Whether a browser page of {@code origin} is one this entry allows. */
	boolean allows(AllowedOrigin origin) {
		if (!this.scheme.equals(origin.scheme) || this.port != origin.port) {
			return false;
		}
		return this.wildcard ? origin.host.endsWith("." + this.host) : this.host.equals(origin.host);
	}

	private static AllowedOrigin parseOrigin(String text, boolean wildcardAllowed) {
		String value = text.trim().toLowerCase(Locale.ROOT);
		int separator = value.indexOf("://");
		if (separator <= 0) {
			return null;
		}
		String scheme = value.substring(0, separator);
		if (!SCHEME.matcher(scheme).matches()) {
			return null;
		}
		String authority = value.substring(separator + 3);
		if (authority.endsWith("/")) {
			authority = authority.substring(0, authority.length() - 1);
		}
		if (authority.isEmpty() || authority.contains("/") || authority.contains("@") || authority.contains("?")) {
			throw new IllegalArgumentException(FORM + " (no path, query or user)");
		}
		String host = authority;
		int port = defaultPort(scheme);
		int colon = authority.lastIndexOf(':');
		if (colon > authority.lastIndexOf(']')) {
			host = authority.substring(0, colon);
			port = port(authority.substring(colon + 1));
		}
		boolean wildcard = host.startsWith("*.");
		if (wildcard) {
			if (!wildcardAllowed) {
				return null;
			}
			host = host.substring(2);
		}
		if (host.isEmpty() || host.contains("*")) {
			throw new IllegalArgumentException(
					FORM + " (a wildcard only as the whole first label: https://*.example.com)");
		}
		if (!HOST.matcher(host).matches()) {
			throw new IllegalArgumentException(FORM + " (not a host name or address: " + host + ")");
		}
		return new AllowedOrigin(scheme, host, port, wildcard);
	}

	private static int port(String digits) {
		if (!PORT.matcher(digits).matches() || Integer.parseInt(digits) == 0 || Integer.parseInt(digits) > 65535) {
			throw new IllegalArgumentException(FORM + " (port " + digits + ")");
		}
		return Integer.parseInt(digits);
	}

	private static int defaultPort(String scheme) {
		return switch (scheme) {
			case "http", "ws" -> 80;
			case "https", "wss" -> 443;
			default -> -1;
		};
	}

	@Override
	public String toString() {
		return this.scheme + "://" + (this.wildcard ? "*." : "") + this.host
				+ ((this.port >= 0) ? ":" + this.port : "");
	}

}
