package dev.switchboard.support;

import java.io.IOException;
import java.net.ServerSocket;

/** Free loopback ports for processes that must come back where they were. */
public final class Ports {

	private Ports() {
	}

	public static int free() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
