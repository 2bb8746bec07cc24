package dev.switchboard.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * Loopback ports that misbehave in the ways real backends do when they are in trouble.
 */
public final class UnresponsivePorts {

	private static final List<Object> KEEP = new ArrayList<>();

	private UnresponsivePorts() {
	}

	/** A port nobody listens on: connecting is refused at once. */
	public static int refusing() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	/**
	 * A port that completes the TCP handshake but never reads or answers (the kernel's
	 * backlog accepts).
	 */
	public static synchronized int silent() throws IOException {
		ServerSocket socket = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
		KEEP.add(socket);
		return socket.getLocalPort();
	}

	/**
	 * A port whose accept queue is full, so the kernel drops new SYNs: a connect attempt
	 * gets no TCP answer at all, like a firewalled or vanished host.
	 */
	public static synchronized int blackhole() throws IOException {
		ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
		KEEP.add(socket);
		for (int i = 0; i < 16; i++) {
			Socket filler = new Socket();
			try {
				filler.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort()), 300);
				KEEP.add(filler);
			}
			catch (SocketTimeoutException ex) {
				filler.close();
				return socket.getLocalPort();
			}
		}
		throw new IllegalStateException("could not fill the accept queue of port " + socket.getLocalPort());
	}

}
