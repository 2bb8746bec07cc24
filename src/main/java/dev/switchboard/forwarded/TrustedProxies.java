package dev.switchboard.forwarded;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The addresses whose {@code X-Forwarded-*}/{@code Forwarded} headers are believed: CIDR
 * ranges or single IPs, IPv4 or IPv6. Parsed once at startup; a malformed entry fails
 * startup.
 */
public final class TrustedProxies {

	private static final Pattern IP_CHARACTERS = Pattern.compile("[0-9a-fA-F:.]+");

	private final List<Range> ranges;

	private TrustedProxies(List<Range> ranges) {
		this.ranges = ranges;
	}

	/**
	 * Parses {@code switchboard.forwarded.trusted-proxies}.
	 * @throws IllegalArgumentException naming the bad entry
	 */
	public static TrustedProxies parse(List<String> entries) {
		List<Range> ranges = new ArrayList<>();
		for (String entry : entries) {
			ranges.add(Range.parse(entry.trim()));
		}
		return new TrustedProxies(List.copyOf(ranges));
	}

	public boolean isTrusted(InetAddress address) {
		if (address == null) {
			return false;
		}
		byte[] bytes = address.getAddress();
		for (Range range : this.ranges) {
			if (range.contains(bytes)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * An IP literal as an address, never looked up in DNS; null for anything else, a host
	 * name included.
	 */
	static InetAddress ipLiteral(String value) {
		if (!IP_CHARACTERS.matcher(value).matches()) {
			return null;
		}
		try {
			return InetAddress.getByName(value);
		}
		catch (UnknownHostException ex) {
			return null;
		}
	}

	private record Range(byte[] network, int prefixLength) {

		static Range parse(String entry) {
			int slash = entry.indexOf('/');
			String host = (slash < 0) ? entry : entry.substring(0, slash);
			if (!IP_CHARACTERS.matcher(host).matches()) {
				throw invalid(entry, "not an IP address (host names are not allowed)");
			}
			InetAddress address = ipLiteral(host);
			if (address == null) {
				throw invalid(entry, "not an IP address");
			}
			byte[] network = address.getAddress();
			int prefix = network.length * 8;
			if (slash >= 0) {
				try {
					prefix = Integer.parseInt(entry.substring(slash + 1));
				}
				catch (NumberFormatException ex) {
					throw invalid(entry, "prefix length is not a number");
				}
				if (prefix < 0 || prefix > network.length * 8) {
					throw invalid(entry, "prefix length out of range");
				}
			}
			return new Range(network, prefix);
		}

		private static IllegalArgumentException invalid(String entry, String why) {
			return new IllegalArgumentException("switchboard.forwarded.trusted-proxies: '" + entry + "' is " + why
					+ "; use CIDR notation such as 10.0.0.0/8 or a single address such as 192.168.1.10");
		}

		boolean contains(byte[] address) {
			if (address.length != this.network.length) {
				return false;
			}
			int fullBytes = this.prefixLength / 8;
			for (int i = 0; i < fullBytes; i++) {
				if (address[i] != this.network[i]) {
					return false;
				}
			}
			int rest = this.prefixLength % 8;
			if (rest == 0) {
				return true;
			}
			int mask = (0xFF << (8 - rest)) & 0xFF;
			return (address[fullBytes] & mask) == (this.network[fullBytes] & mask);
		}

	}

}
