package dev.switchboard.tunnel;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Encodes the few WebSocket frames the gateway writes itself (close, ping, pong) and
 * decodes the close payloads it reads. Frames towards a backend are masked, as RFC 6455
 * requires of a client.
 */
public final class Frames {

	public static final int OP_CONTINUATION = 0x0;

	public static final int OP_TEXT = 0x1;

	public static final int OP_BINARY = 0x2;

	public static final int OP_CLOSE = 0x8;

	public static final int OP_PING = 0x9;

	public static final int OP_PONG = 0xA;

	/** Close code meaning "no status code was present" (never sent on the wire). */
	public static final int NO_STATUS = 1005;

	/** Close code meaning "closed without a close frame" (never sent on the wire). */
	public static final int ABNORMAL = 1006;

	private static final int MAX_REASON_BYTES = 123;

	private Frames() {
	}

	public static ByteBuf close(ByteBufAllocator alloc, int code, String reason, boolean masked) {
		byte[] text = reason.getBytes(StandardCharsets.UTF_8);
		int reasonLength = Math.min(text.length, MAX_REASON_BYTES);
		byte[] payload = new byte[2 + reasonLength];
		payload[0] = (byte) (code >> 8);
		payload[1] = (byte) code;
		System.arraycopy(text, 0, payload, 2, reasonLength);
		return control(alloc, OP_CLOSE, payload, masked);
	}

	public static ByteBuf control(ByteBufAllocator alloc, int opcode, byte[] payload, boolean masked) {
		ByteBuf frame = alloc.buffer(2 + (masked ? 4 : 0) + payload.length);
		frame.writeByte(0x80 | opcode);
		frame.writeByte((masked ? 0x80 : 0) | payload.length);
		if (!masked) {
			frame.writeBytes(payload);
			return frame;
		}
		int mask = ThreadLocalRandom.current().nextInt();
		frame.writeInt(mask);
		for (int i = 0; i < payload.length; i++) {
			frame.writeByte(payload[i] ^ (mask >> (8 * (3 - (i & 3)))));
		}
		return frame;
	}

	/**
	 * The payload of the gateway's own pings, so their pongs are recognised and not
	 * relayed.
	 */
	static final byte[] HEARTBEAT = "switchboard-heartbeat".getBytes(StandardCharsets.US_ASCII);

	static boolean isHeartbeat(byte[] payload) {
		return Arrays.equals(payload, HEARTBEAT);
	}

	/**
	 * The RSV bits data frames may carry, given the extensions the handshake negotiated
	 * ({@code Sec-WebSocket-Extensions} of the 101): RSV1 for {@code permessage-deflate}
	 * (RFC 7692), all three for any extension the gateway does not know (it cannot judge
	 * them), none without.
	 */
	public static int allowedRsv(List<String> negotiated) {
		int allowed = 0;
		for (String header : negotiated) {
			for (String extension : header.split(",")) {
				String name = extension.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
				if (name.isEmpty()) {
					continue;
				}
				allowed |= name.equals("permessage-deflate") ? 0x40 : 0x70;
			}
		}
		return allowed;
	}

	/**
	 * What is wrong with a close frame's payload (RFC 6455, 5.5.1 and 7.4), or null: a
	 * lone byte, or a code that may not be sent (1004-1006, 1015, below 1000, 1016-2999,
	 * 5000 and above).
	 */
	static String closePayloadViolation(byte[] payload) {
		if (payload.length == 0) {
			return null;
		}
		if (payload.length == 1) {
			return "close frame with a one-byte payload";
		}
		int code = closeCode(payload);
		boolean allowed = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014)
				|| (code >= 3000 && code <= 4999);
		return allowed ? null : "close code " + code + " may not be sent";
	}

	/**
	 * Copies a control frame's payload out of {@code frame}, unmasking it when needed.
	 */
	static byte[] payload(ByteBuf frame, int payloadIndex, int length, int maskIndex) {
		byte[] payload = new byte[length];
		frame.getBytes(payloadIndex, payload);
		if (maskIndex >= 0) {
			for (int i = 0; i < length; i++) {
				payload[i] ^= frame.getByte(maskIndex + (i & 3));
			}
		}
		return payload;
	}

	/** The status code of a close payload, or {@link #NO_STATUS} for an empty one. */
	static int closeCode(byte[] payload) {
		return (payload.length >= 2) ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : NO_STATUS;
	}

	static String closeReason(byte[] payload) {
		return (payload.length > 2) ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
	}

}
