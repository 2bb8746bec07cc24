package dev.switchboard.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A WebSocket backend that completes the handshake and then goes silent at the TCP level:
 * it keeps the socket open but never reads or writes again, like a frozen process or a
 * vanished host behind a stateful firewall. No close, no FIN: only heartbeats can tell.
 */
public final class SilentWsBackend implements AutoCloseable {

	private final ServerSocket server;

	private final List<Socket> sockets = new CopyOnWriteArrayList<>();

	public SilentWsBackend() throws IOException {
		this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		Thread acceptor = new Thread(this::acceptLoop, "silent-ws-backend");
		acceptor.setDaemon(true);
		acceptor.start();
	}

	private void acceptLoop() {
		while (!this.server.isClosed()) {
			try {
				Socket socket = this.server.accept();
				this.sockets.add(socket);
				String key = readKey(socket.getInputStream());
				String accept = Base64.getEncoder()
					.encodeToString(MessageDigest.getInstance("SHA-1")
						.digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
				socket.getOutputStream()
					.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
							+ "Sec-WebSocket-Accept: " + accept + "\r\n\r\n")
						.getBytes(StandardCharsets.US_ASCII));
				// ...and from here on, nothing: not a byte read, not a byte written.
			}
			catch (Exception ex) {
				return;
			}
		}
	}

	private static String readKey(InputStream in) throws IOException {
		ByteArrayOutputStream head = new ByteArrayOutputStream();
		while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
			int b = in.read();
			if (b < 0) {
				throw new IOException("closed during handshake");
			}
			head.write(b);
		}
		for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
			if (line.toLowerCase(Locale.ROOT).startsWith("sec-websocket-key:")) {
				return line.substring(line.indexOf(':') + 1).trim();
			}
		}
		throw new IOException("no Sec-WebSocket-Key");
	}

	public int port() {
		return this.server.getLocalPort();
	}

	@Override
	public void close() throws IOException {
		this.server.close();
		for (Socket socket : this.sockets) {
			socket.close();
		}
	}

}
