package dev.switchboard.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A WebSocket client over a plain socket that sends whatever bytes a test gives it,
 * frames no library would send included (unmasked, reserved opcodes, half a frame), and
 * reads the frames it receives one by one. The handshake is real; every read is bounded
 * by the socket timeout.
 */
public final class RawWebSocket implements AutoCloseable {

	/** A fixed masking key: frames on the wire are predictable. */
	static final byte[] MASK = { 0x11, 0x22, 0x33, 0x44 };

	private final RawHttp http;

	private RawWebSocket(RawHttp http) {
		this.http = http;
	}

	/**
	 * Connects and completes the handshake for {@code path}; fails unless the answer is a
	 * 101.
	 */
	public static RawWebSocket connect(int port, String path) throws IOException {
		RawHttp http = new RawHttp(port);
		http.send(RawHttp.handshake(path, "Upgrade: websocket", "Connection: Upgrade",
				"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"));
		String head = http.readHead();
		if (!head.startsWith("HTTP/1.1 101 ")) {
			http.close();
			throw new IllegalStateException("handshake answered: " + head);
		}
		return new RawWebSocket(http);
	}

	/** The WebSocket on a connection whose handshake was answered with a 101. */
	public static RawWebSocket over(RawHttp http) {
		return new RawWebSocket(http);
	}

	public RawWebSocket send(byte[] bytes) throws IOException {
		this.http.send(bytes);
		return this;
	}

	/** The next frame received, or null when the connection ended first. */
	public Frame next() throws IOException {
		InputStream in = this.http.socket().getInputStream();
		int b0 = in.read();
		int b1 = (b0 < 0) ? -1 : in.read();
		if (b1 < 0) {
			return null;
		}
		long length = b1 & 0x7F;
		if (length == 126) {
			length = ((in.read() & 0xFF) << 8) | (in.read() & 0xFF);
		}
		else if (length == 127) {
			length = 0;
			for (int i = 0; i < 8; i++) {
				length = (length << 8) | (in.read() & 0xFF);
			}
		}
		byte[] payload = in.readNBytes((int) length);
		return new Frame(b0 & 0x0F, (b0 & 0x80) != 0, payload);
	}

	/**
	 * The next close frame received, skipping others; null when the connection ended
	 * first.
	 */
	public Frame nextClose() throws IOException {
		Frame frame = next();
		while (frame != null && frame.opcode() != 0x8) {
			frame = next();
		}
		return frame;
	}

	/**
	 * Whether the peer closes the connection (end of stream) within the socket timeout.
	 */
	public boolean awaitClosedByPeer() throws IOException {
		return this.http.awaitClosedByPeer();
	}

	@Override
	public void close() throws IOException {
		this.http.close();
	}

	/** One frame as a client sends it: masked with {@link #MASK}. */
	public static byte[] clientFrame(boolean fin, int opcode, byte[] payload) {
		return frame(fin, opcode, true, payload);
	}

	/** A frame, masked or not, with the shortest length form. */
	public static byte[] frame(boolean fin, int opcode, boolean masked, byte[] payload) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		out.write((fin ? 0x80 : 0) | opcode);
		int maskBit = masked ? 0x80 : 0;
		if (payload.length <= 125) {
			out.write(maskBit | payload.length);
		}
		else if (payload.length <= 0xFFFF) {
			out.write(maskBit | 126);
			out.write(payload.length >> 8);
			out.write(payload.length);
		}
		else {
			out.write(maskBit | 127);
			for (int i = 7; i >= 0; i--) {
				out.write((int) ((long) payload.length >> (8 * i)));
			}
		}
		if (masked) {
			out.writeBytes(MASK);
			for (int i = 0; i < payload.length; i++) {
				out.write(payload[i] ^ MASK[i & 3]);
			}
		}
		else {
			out.writeBytes(payload);
		}
		return out.toByteArray();
	}

	/** A close frame's payload: the code and the reason. */
	public static byte[] closePayload(int code, String reason) {
		byte[] text = reason.getBytes(StandardCharsets.UTF_8);
		byte[] payload = new byte[2 + text.length];
		payload[0] = (byte) (code >> 8);
		payload[1] = (byte) code;
		System.arraycopy(text, 0, payload, 2, text.length);
		return payload;
	}

	/** A received frame. */
	public record Frame(int opcode, boolean fin, byte[] payload) {

		/** The close code of a close frame. */
		public int closeCode() {
			return (this.payload.length >= 2) ? ((this.payload[0] & 0xFF) << 8) | (this.payload[1] & 0xFF) : 1005;
		}

		public String closeReason() {
			return (this.payload.length > 2)
					? new String(this.payload, 2, this.payload.length - 2, StandardCharsets.UTF_8) : "";
		}

	}

}
