package dev.switchboard.forwarded;

import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** What backends learn about the client, and whose word about the client is believed. */
@ConfigurationProperties("switchboard.forwarded")
public class ForwardedProperties {

	/**
	 * Which forwarded headers backends receive: x-forwarded, forwarded (RFC 7239), both,
	 * or none.
	 */
	private Mode mode = Mode.X_FORWARDED;

	/**
	 * Addresses (CIDR, e.g. 10.0.0.0/8, or single IPs) whose incoming forwarded headers
	 * are trusted and extended; from anyone else they are replaced.
	 */
	private List<String> trustedProxies = new ArrayList<>();

	/**
	 * Send the client's original Host header to backends (false: the backend's own
	 * host:port).
	 */
	private boolean preserveHost = true;

	public Mode getMode() {
		return this.mode;
	}

	public void setMode(Mode mode) {
		this.mode = mode;
	}

	public List<String> getTrustedProxies() {
		return this.trustedProxies;
	}

	public void setTrustedProxies(List<String> trustedProxies) {
		this.trustedProxies = trustedProxies;
	}

	public boolean isPreserveHost() {
		return this.preserveHost;
	}

	public void setPreserveHost(boolean preserveHost) {
		this.preserveHost = preserveHost;
	}

	public enum Mode {

		/** X-Forwarded-For, -Proto, -Host and -Port. */
		X_FORWARDED,

		/** The standard Forwarded header (RFC 7239). */
		FORWARDED,

		/** Both styles. */
		BOTH,

		/** Neither; incoming forwarded headers are removed. */
		NONE

	}

}
