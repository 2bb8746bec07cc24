package dev.switchboard.tunnel;

import java.util.Locale;

/** Who ended a tunnel: the first side to send a close frame or to drop its connection. */
public enum CloseInitiator {

	CLIENT, BACKEND, GATEWAY;

	/** Lower-case name for metric tags and logs. */
	public String tag() {
		return name().toLowerCase(Locale.ROOT);
	}

}
