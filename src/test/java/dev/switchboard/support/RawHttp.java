package dev.switchboard.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Speaks HTTP over a plain socket, byte for byte, for requests no HTTP client will send
 * (malformed handshakes, garbage, oversized headers). Reads are bounded by a socket
 * timeout.
 */
public final class RawHttp implements AutoCloseable {

	private final Socket socket;

	public RawHttp(int port) throws IOException {
		this.socket = new Socket("127.0.0.1", port);
		this.socket.setSoTimeout(10_000);
	}

	public RawHttp send(String text) throws IOException {
		return send(text.getBytes(StandardCharsets.ISO_8859_1));
	}

	public RawHttp send(byte[] bytes) throws IOException {
		OutputStream out = this.socket.getOutputStream();
		out.write(bytes);
		out.flush();
		return this;
	}

	/** Reads one response head (status line and headers) and returns it. */
	public String readHead() throws IOException {
		InputStream in = this.socket.getInputStream();
		ByteArrayOutputStream head = new ByteArrayOutputStream();
		int matched = 0;
		while (matched < 4) {
			int b = in.read();
			if (b < 0) {
				break;
			}
			head.write(b);
			matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : ((b == '\r') ? 1 : 0);
		}
		return head.toString(StandardCharsets.ISO_8859_1);
	}

	/** Reads whatever arrives until the peer closes or {@code max} bytes arrived. */
	public byte[] readUpTo(int max) throws IOException {
		InputStream in = this.socket.getInputStream();
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		byte[] buffer = new byte[4096];
		try {
			int n;
			while (out.size() < max && (n = in.read(buffer, 0, Math.min(buffer.length, max - out.size()))) > 0) {
				out.write(buffer, 0, n);
			}
		}
		catch (SocketTimeoutException ex) {
			// nothing more arrived
		}
		return out.toByteArray();
	}

	/**
	 * True when the peer has closed the connection (read returns end of stream) within
	 * the timeout.
	 */
	public boolean awaitClosedByPeer() throws IOException {
		try {
			InputStream in = this.socket.getInputStream();
			while (true) {
				if (in.read() < 0) {
					return true;
				}
			}
		}
		catch (SocketTimeoutException ex) {
			return false;
		}
		catch (IOException ex) {
			return true;
		}
	}

	public Socket socket() {
		return this.socket;
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

	/**
	 * Sends {@code request} on a connection of its own and returns the answer's head,
	 * waiting at most {@code timeout} for it; the connection is closed after.
	 */
	public static String head(int port, String request, Duration timeout) throws IOException {
		try (RawHttp raw = new RawHttp(port)) {
			raw.socket().setSoTimeout((int) timeout.toMillis());
			return raw.send(request).readHead();
		}
	}

	/**
	 * A valid WebSocket handshake (upgrade headers, a fixed key, version 13) with more
	 * header lines.
	 */
	public static String webSocketHandshake(String path, String... extraHeaderLines) {
		String[] lines = new String[extraHeaderLines.length + 4];
		lines[0] = "Upgrade: websocket";
		lines[1] = "Connection: Upgrade";
		lines[2] = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==";
		lines[3] = "Sec-WebSocket-Version: 13";
		System.arraycopy(extraHeaderLines, 0, lines, 4, extraHeaderLines.length);
		return handshake(path, lines);
	}

	public static String handshake(String path, String... extraHeaderLines) {
		StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n");
		for (String line : extraHeaderLines) {
			request.append(line).append("\r\n");
		}
		return request.append("\r\n").toString();
	}

}
