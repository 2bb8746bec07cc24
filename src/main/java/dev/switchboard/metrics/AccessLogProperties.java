package dev.switchboard.metrics;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** The access log: logger {@code switchboard.access}. */
@ConfigurationProperties("switchboard.access-log")
public class AccessLogProperties {

	/** Write one line per plain request, per refused handshake and per ended tunnel. */
	private boolean enabled = true;

	/**
	 * text: readable key=value lines; json: ECS JSON documents (Spring Boot's structured
	 * logging).
	 */
	private Format format = Format.TEXT;

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Format getFormat() {
		return this.format;
	}

	public void setFormat(Format format) {
		this.format = format;
	}

	public enum Format {

		/** Readable key=value lines. */
		TEXT,

		/** One ECS JSON document per line. */
		JSON

	}

}
